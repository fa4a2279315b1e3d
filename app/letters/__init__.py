"""Reading a photographed letter: ocr.py gets its words, extract.py finds the appointment
in them, service.py is what the pages call."""
