"""A set of letters drawn with Pillow, each with what is really in it: the fixture for the
letter-reading tests and `bench/letters.py`.

Real wordings from the letters parents get (a child protection conference invitation, the
antenatal clinic, probation, the court's notice of hearing, a core group, a letter before
proceedings, Cafcass, a family group conference), English, Welsh and bilingual; the
letter's own date (and "printed on", "dated", "date of issue") beside the appointment's;
several fonts and layouts; and each one also "photographed": turned a few degrees, blurred,
lit unevenly, with noise, saved as JPEG.
"""

import dataclasses
import functools
import io
import random
import zlib

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = "/usr/share/fonts/truetype"
FACES = {
    "dejavu-sans": (f"{FONTS}/dejavu/DejaVuSans.ttf", f"{FONTS}/dejavu/DejaVuSans-Bold.ttf"),
    "liberation-serif": (
        f"{FONTS}/liberation/LiberationSerif-Regular.ttf",
        f"{FONTS}/liberation/LiberationSerif-Bold.ttf",
    ),
    "liberation-sans": (
        f"{FONTS}/liberation/LiberationSans-Regular.ttf",
        f"{FONTS}/liberation/LiberationSans-Bold.ttf",
    ),
    "dejavu-serif": (
        f"{FONTS}/dejavu/DejaVuSerif.ttf",
        f"{FONTS}/dejavu/DejaVuSerif-Bold.ttf",
    ),
}


PAGE_BREAK = "<<page>>"


@dataclasses.dataclass(frozen=True)
class Letter:
    """One letter: its lines ("# " a heading, "> " right-aligned, "" a gap) and the truth."""

    name: str
    lines: tuple[str, ...]
    date: str  # YYYY-MM-DD, or "" when the letter names no appointment
    start: str  # HH:MM or ""
    end: str  # HH:MM or ""
    location: str
    agency: str
    guide: str  # the explainer slug the page should link
    face: str = "dejavu-sans"
    photo: bool = False
    letterhead_right: bool = False
    pdf: bool = False
    sideways: bool = False  # photographed with the phone turned, and no EXIF to say so


# The base letters: (name, lines, date, start, end, location, agency, guide)
BASE = [
    (
        "conference-invitation",
        (
            "# Doncaster Council",
            "> Children's Social Care",
            "> Civic Office, Waterdale",
            "> Doncaster DN1 3BU",
            "",
            "Ms Sam Taylor",
            "14 Elm Grove",
            "Doncaster DN4 5QT",
            "",
            "Date: 4 January 2027",
            "Our ref: CP/2291",
            "",
            "Dear Ms Taylor,",
            "# Invitation to an Initial Child Protection Conference",
            "You are invited to an Initial Child Protection Conference about your",
            "unborn baby. The conference will be held on",
            "Tuesday 19 January 2027 at 10.30am.",
            "Venue: Civic Office, Committee Room 2, Waterdale, Doncaster DN1 3BU",
            "You may bring a friend, supporter or advocate with you.",
            "Yours sincerely,",
            "Conference Chair",
        ),
        "2027-01-19",
        "10:30",
        "",
        "Civic Office, Committee Room 2, Waterdale, Doncaster DN1 3BU",
        "child_protection_conference",
        "child-protection-conference",
    ),
    (
        "antenatal-clinic",
        (
            "# Aneurin Bevan University Health Board",
            "> Royal Gwent Hospital",
            "> Cardiff Road, Newport NP20 2UB",
            "",
            "Printed on: 20/01/2027",
            "",
            "Sam Taylor",
            "Flat 3, 9 Commercial Street",
            "Newport NP20 1LP",
            "",
            "# Your antenatal appointment",
            "Dear Sam,",
            "You have an appointment at the antenatal clinic with your midwife.",
            "Date: 03/02/2027",
            "Time: 14:15",
            "Clinic: Antenatal Clinic, Women's Unit, Royal Gwent Hospital, Newport NP20 2UB",
            "Please bring your maternity notes and a urine sample.",
            "If you cannot come, please phone 01633 234567.",
        ),
        "2027-02-03",
        "14:15",
        "",
        "Antenatal Clinic, Women's Unit, Royal Gwent Hospital, Newport NP20 2UB",
        "midwifery",
        "",
    ),
    (
        "probation",
        (
            "# HM Prison and Probation Service",
            "> Sheffield Probation Office",
            "> 12 Victoria Road, Sheffield S1 2BD",
            "",
            "Dated 1 March 2027",
            "",
            "Mr J Smith",
            "22 Oak Road",
            "Sheffield S6 3GH",
            "",
            "# Appointment with your Probation Practitioner",
            "You are required to attend an appointment with your Probation",
            "Practitioner on Wed 10 Mar 2027, 11:00 - 12:30",
            "at Probation Office, 12 Victoria Road, Sheffield S1 2BD.",
            "Failure to attend may be treated as a breach of your licence.",
        ),
        "2027-03-10",
        "11:00",
        "12:30",
        "Probation Office, 12 Victoria Road, Sheffield S1 2BD",
        "probation",
        "probation-and-criminal-justice",
    ),
    (
        "notice-of-hearing",
        (
            "# In the Family Court at Cardiff",
            "Case number: CF27C00412",
            "Date of issue: 8 April 2027",
            "",
            "# NOTICE OF HEARING",
            "Take notice that the application will be heard by the court",
            "on 22 April 2027 at 2pm.",
            "Venue: Cardiff Civil Justice Centre, 2 Park Street, Cardiff CF10 1ET",
            "Time allowed: 1 hour. Please arrive 30 minutes early.",
            "You should bring this notice with you.",
        ),
        "2027-04-22",
        "14:00",
        "",
        "Cardiff Civil Justice Centre, 2 Park Street, Cardiff CF10 1ET",
        "family_court",
        "care-proceedings",
    ),
    (
        "core-group",
        (
            "# Leeds City Council",
            "> Children and Families",
            "> Merrion House, Leeds LS2 8BB",
            "",
            "11 January 2027",
            "",
            "Dear Sam,",
            "# Core group meeting",
            "Your baby has a child protection plan. The next core group",
            "meeting is arranged as below.",
            "Date: Thursday 4 February 2027",
            "Time: 1.30pm to 3pm",
            "Venue: Family Hub, 3 Mill Lane, Leeds LS1 5AB",
            "Your social worker, midwife and health visitor will be there.",
        ),
        "2027-02-04",
        "13:30",
        "15:00",
        "Family Hub, 3 Mill Lane, Leeds LS1 5AB",
        "childrens_social_care",
        "child-protection-plan",
    ),
    (
        "letter-before-proceedings",
        (
            "# Lancashire County Council",
            "> County Hall, Preston PR1 8XJ",
            "",
            "Date: 1 March 2027",
            "",
            "IMPORTANT: PLEASE TAKE THIS LETTER TO A SOLICITOR",
            "# Letter before proceedings",
            "Dear Ms Taylor,",
            "We are very worried about the care your baby will receive.",
            "We have arranged a pre-proceedings meeting on",
            "Monday 15 March 2027 at 10am",
            "at Children's Services, County Hall, Preston PR1 8XJ.",
            "You are entitled to free legal advice. Legal aid is not means tested.",
        ),
        "2027-03-15",
        "10:00",
        "",
        "Children's Services, County Hall, Preston PR1 8XJ",
        "childrens_social_care",
        "letter-before-proceedings",
    ),
    (
        "conference-bilingual",
        (
            "# Cyngor Dinas a Sir Abertawe",
            "# City and County of Swansea",
            "> Canolfan Ddinesig, Abertawe SA1 3SN",
            "",
            "Dyddiad / Date: 29/03/2027",
            "",
            "Annwyl Sam / Dear Sam,",
            "# Cynhadledd Amddiffyn Plant / Child Protection Conference",
            "Fe'ch gwahoddir i gynhadledd amddiffyn plant.",
            "You are invited to a child protection conference.",
            "Dyddiad / Date: Dydd Iau 15 Ebrill 2027",
            "Amser / Time: 10:00 - 12:00",
            "Lleoliad / Venue: Canolfan Ddinesig, Heol Ystumllwynarth, Abertawe SA1 3SN",
        ),
        "2027-04-15",
        "10:00",
        "12:00",
        "Canolfan Ddinesig, Heol Ystumllwynarth, Abertawe SA1 3SN",
        "child_protection_conference",
        "child-protection-conference",
    ),
    (
        "clinic-welsh",
        (
            "# Bwrdd Iechyd Prifysgol Betsi Cadwaladr",
            "> Ysbyty Gwynedd, Bangor LL57 2PW",
            "",
            "Argraffwyd: 12/02/2027",
            "",
            "Annwyl Sam,",
            "# Apwyntiad clinig cyn-geni",
            "Mae gennych apwyntiad gyda'r fydwraig.",
            "Dydd Llun 8 Mawrth 2027 am 9.15yb",
            "Clinig: Clinig Cyn-geni, Ysbyty Gwynedd, Bangor LL57 2PW",
            "Dewch â'ch nodiadau mamolaeth.",
        ),
        "2027-03-08",
        "09:15",
        "",
        "Clinig Cyn-geni, Ysbyty Gwynedd, Bangor LL57 2PW",
        "midwifery",
        "",
    ),
    (
        "cafcass",
        (
            "# Cafcass",
            "> Children and Family Court Advisory and Support Service",
            "",
            "Letter date: 2 February 2027",
            "",
            "Dear Ms Taylor,",
            "I am the Children's Guardian appointed by the court for your baby.",
            "I would like to meet you on Friday 12 February 2027",
            "from 11am to 12pm.",
            "Place: Cafcass Office, 4 Queen Street, Nottingham NG1 2BL",
        ),
        "2027-02-12",
        "11:00",
        "12:00",
        "Cafcass Office, 4 Queen Street, Nottingham NG1 2BL",
        "cafcass",
        "childrens-guardian",
    ),
    (
        "family-group-conference",
        (
            "# Brighton & Hove City Council",
            "> Family Group Conference Service",
            "",
            "18 March 2027",
            "",
            "Dear Sam,",
            "# Your family group conference",
            "Thank you for agreeing to a family group conference.",
            "It will take place on Saturday 3 April 2027",
            "10:00 - 13:00",
            "Location: Hove Town Hall, Norton Road, Hove BN3 3BQ",
            "Please bring anyone from your family or friends you would like.",
        ),
        "2027-04-03",
        "10:00",
        "13:00",
        "Hove Town Hall, Norton Road, Hove BN3 3BQ",
        "childrens_social_care",
        "family-group-conference",
    ),
    (
        "review-conference-numeric",
        (
            "# Sefton Council",
            "> Children's Social Care, Bootle L20 7AE",
            "",
            "Date: 05/04/2027",
            "",
            "Dear Mr Smith,",
            "# Review Child Protection Conference",
            "A review conference will take place on 26/04/2027 at 9.30am",
            "in Room 1, Magdalen House, 30 Trinity Road, Bootle L20 3NJ.",
        ),
        "2027-04-26",
        "09:30",
        "",
        "Room 1, Magdalen House, 30 Trinity Road, Bootle L20 3NJ",
        "child_protection_conference",
        "child-protection-conference",
    ),
]

BASE += [
    (
        "health-visitor-table",
        (
            "# Cardiff and Vale University Health Board",
            "> Health Visiting Service",
            "> Global Link, Dunleavy Drive, Cardiff CF11 0SN",
            "",
            "Date 2 February 2027",
            "",
            "Dear Sam,",
            "# Health visitor contact",
            "Your health visitor would like to see you and your baby.",
            "Date        Tuesday 2 March 2027",
            "Time        9.30 am",
            "Location    Ely Children's Centre, Grand Avenue, Cardiff CF5 4BL",
            "Please bring your baby's red book.",
        ),
        "2027-03-02",
        "09:30",
        "",
        "Ely Children's Centre, Grand Avenue, Cardiff CF5 4BL",
        "health_visiting",
        "",
    ),
    (
        "hearing-listed",
        (
            "# HM Courts & Tribunals Service",
            "> Family Court sitting at Bradford",
            "> Exchange Square, Drake Street, Bradford BD1 1JA",
            "",
            "Date sent: 19 February 2027",
            "",
            "Dear Ms Taylor",
            "# Notice of hearing: care proceedings",
            "The hearing is listed for 2pm on Monday 8 March 2027.",
            "The hearing will take place at:",
            "Bradford Combined Court Centre",
            "Exchange Square, Drake Street",
            "Bradford BD1 1JA",
            "Time estimate: 2 hours.",
        ),
        "2027-03-08",
        "14:00",
        "",
        "Bradford Combined Court Centre, Exchange Square, Drake Street, Bradford BD1 1JA",
        "family_court",
        "care-proceedings",
    ),
    (
        "probation-welsh",
        (
            "# Gwasanaeth Prawf Cymru",
            "> Swyddfa Prawf, 1 Stryd y Castell, Caerfyrddin SA31 1PD",
            "",
            "Dyddiad y llythyr: 3 Chwefror 2027",
            "",
            "Annwyl Mr Jones,",
            "# Apwyntiad gyda'ch swyddog prawf",
            "Mae'n rhaid i chi ddod i apwyntiad gyda'ch swyddog prawf",
            "ddydd Mercher 17 Chwefror 2027 am 10 o'r gloch.",
            "Lleoliad: Swyddfa Prawf, 1 Stryd y Castell, Caerfyrddin SA31 1PD",
        ),
        "2027-02-17",
        "10:00",
        "",
        "Swyddfa Prawf, 1 Stryd y Castell, Caerfyrddin SA31 1PD",
        "probation",
        "probation-and-criminal-justice",
    ),
    (
        "midwife-two-dates",
        (
            "# Homerton Healthcare NHS Foundation Trust",
            "> Maternity Department, Homerton Row, London E9 6SR",
            "",
            "12th January 2027",
            "",
            "Dear Sam",
            "Re: Your next antenatal appointment",
            "Your last appointment was on 5 January 2027.",
            "Your next appointment is with the community midwife on",
            "Wednesday 27th January 2027, 12 noon - 12.30pm",
            "at Lower Clapton Health Centre, 36 Lower Clapton Road, London E5 0PD",
            "Your baby is due on 14/04/2027.",
        ),
        "2027-01-27",
        "12:00",
        "12:30",
        "Lower Clapton Health Centre, 36 Lower Clapton Road, London E5 0PD",
        "midwifery",
        "",
    ),
]

# Two pages, the meeting on the second: read as a PDF.
TWO_PAGES = (
    "# Sefton Council",
    "> Children's Social Care, Bootle L20 7AE",
    "",
    "Date: 22/02/2027",
    "",
    "Dear Sam,",
    "# Your child protection plan",
    "Thank you for coming to the conference. Your baby now has a",
    "child protection plan. The details of the first core group",
    "meeting are on the next page.",
    PAGE_BREAK,
    "# Core group meeting",
    "Date: 09/03/27",
    "Time: 15:00 - 16:30",
    "Venue: Children's Centre, 8 Park Road, Bootle L21 2AB",
)

# A letter before proceedings that names no meeting: still recognised, with no date.
NO_MEETING_PLO = (
    "# Newport City Council",
    "> Civic Centre, Newport NP20 4UR",
    "",
    "Date: 10 May 2027",
    "",
    "IMPORTANT - PLEASE TAKE THIS LETTER TO A SOLICITOR",
    "# LETTER BEFORE PROCEEDINGS",
    "Dear Ms Taylor,",
    "This letter is sent under the Public Law Outline. We are worried",
    "about your baby's safety and we are thinking about going to court.",
    "You can get free legal advice from a solicitor because of this letter.",
    "We will write to you with the date of a meeting.",
)

FACE_ORDER = ["dejavu-sans", "liberation-serif", "liberation-sans", "dejavu-serif"]


def letters() -> list[Letter]:
    """Each base letter three ways: clean in one face, clean in another with the
    letterhead on the right, and photographed (some as a PDF)."""
    found = []
    for n, (name, lines, date, start, end, place, agency, guide) in enumerate(BASE):
        truth = dict(lines=lines, date=date, start=start, end=end, location=place,
                     agency=agency, guide=guide)  # fmt: skip
        found.append(Letter(f"{name}-clean", face=FACE_ORDER[n % 4], **truth))
        found.append(Letter(f"{name}-{'pdf' if n % 3 == 0 else 'right'}",
                            face=FACE_ORDER[(n + 1) % 4], letterhead_right=True,
                            pdf=n % 3 == 0, **truth))  # fmt: skip
        found.append(Letter(f"{name}-photo", face=FACE_ORDER[(n + 2) % 4], photo=True, **truth))
    found.append(Letter("two-pages-pdf", TWO_PAGES, "2027-03-09", "15:00", "16:30",
                        "Children's Centre, 8 Park Road, Bootle L21 2AB",
                        "childrens_social_care", "child-protection-plan", pdf=True))  # fmt: skip
    found.append(Letter("core-group-sideways", BASE[4][1], *BASE[4][2:], photo=True,
                        sideways=True))  # fmt: skip
    return found


def no_meeting_plo(photo: bool = False) -> Letter:
    return Letter("plo-no-meeting", NO_MEETING_PLO, "", "", "", "", "childrens_social_care",
                  "letter-before-proceedings", photo=photo)  # fmt: skip


WIDTH, HEIGHT, MARGIN = 1240, 1754, 95  # A4 at 150 dpi


def _pages(letter: Letter) -> list[Image.Image]:
    pages, lines = [], []
    for line in [*letter.lines, PAGE_BREAK]:
        if line == PAGE_BREAK:
            pages.append(_page(dataclasses.replace(letter, lines=tuple(lines))))
            lines = []
        else:
            lines.append(line)
    return pages


def _page(letter: Letter) -> Image.Image:
    regular, bold = FACES[letter.face]
    body = ImageFont.truetype(regular, 27)
    heading = ImageFont.truetype(bold, 31)
    page = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(page)
    y = MARGIN
    for line in letter.lines:
        if not line:
            y += 22
            continue
        font = heading if line.startswith("# ") else body
        text = line[2:] if line[:2] in {"# ", "> "} else line
        width = draw.textlength(text, font=font)
        right = line.startswith("> ") or (letter.letterhead_right and y < 300)
        x = WIDTH - MARGIN - width if right else MARGIN
        draw.text((x, y), text, fill=20, font=font)
        y += 48 if font is heading else 40
    return page


def _photograph(page: Image.Image, seed: int) -> Image.Image:
    """Turned a few degrees on a dark table, lit from one side, blurred, noisy."""
    rng = random.Random(seed)
    angle = rng.choice([-1, 1]) * rng.uniform(1.5, 4.0)
    turned = page.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=70)
    w, h = turned.size
    shade = Image.linear_gradient("L").rotate(rng.choice([0, 90, 180, 270])).resize((w, h))
    lit = Image.eval(shade, lambda v: 255 - int(v * 0.45))  # from 255 to about 140
    photo = Image.fromarray(_multiply(turned, lit))
    photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.1)))
    noise = Image.effect_noise((w, h), 10)
    photo = Image.blend(photo, noise, 0.06)
    return photo.convert("RGB").resize((int(w * 1.3), int(h * 1.3)), Image.BICUBIC)


def _multiply(a: Image.Image, b: Image.Image):
    import numpy

    return (numpy.asarray(a, dtype=numpy.float32) * numpy.asarray(b, dtype=numpy.float32) / 255
            ).astype(numpy.uint8)  # fmt: skip


@functools.cache
def draw(letter: Letter) -> tuple[bytes, str]:
    """The letter as a file a phone would send: (bytes, content type)."""
    pages = _pages(letter)
    page = pages[0]
    out = io.BytesIO()
    if letter.photo:
        photo = _photograph(page, zlib.crc32(letter.name.encode()))
        if letter.sideways:
            photo = photo.transpose(Image.ROTATE_90)
        photo.save(out, "JPEG", quality=72)
        return out.getvalue(), "image/jpeg"
    if letter.pdf:
        sheets = [p.convert("RGB") for p in pages]
        sheets[0].save(out, "PDF", resolution=150, save_all=True, append_images=sheets[1:])
        return out.getvalue(), "application/pdf"
    page.save(out, "PNG")
    return out.getvalue(), "image/png"


def not_a_letter() -> bytes:
    """A photo of something else: shapes and colour, no words."""
    rng = random.Random(7)
    picture = Image.new("RGB", (900, 700), (120, 160, 90))
    draw_on = ImageDraw.Draw(picture)
    for _ in range(40):
        x, y = rng.randrange(900), rng.randrange(700)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw_on.ellipse((x, y, x + rng.randrange(20, 160), y + rng.randrange(20, 160)), fill=colour)
    out = io.BytesIO()
    picture.filter(ImageFilter.GaussianBlur(2)).save(out, "JPEG", quality=80)
    return out.getvalue()
