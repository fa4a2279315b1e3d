"""How each agency is named and coloured (always with its name: never colour alone)."""

from app.calendar.models import Agency
from app.forms import N_

AGENCY_NAMES = {
    Agency.midwifery: N_("Midwife"),
    Agency.health_visiting: N_("Health visitor"),
    Agency.gp: N_("GP"),
    Agency.childrens_social_care: N_("Children's social care"),
    Agency.child_protection_conference: N_("Child protection conference"),
    Agency.perinatal_mental_health: N_("Perinatal mental health"),
    Agency.substance_use: N_("Drug and alcohol service"),
    Agency.probation: N_("Probation"),
    Agency.housing: N_("Housing"),
    Agency.family_court: N_("Family court"),
    Agency.cafcass: N_("Cafcass or Cafcass Cymru"),
    Agency.solicitor: N_("Solicitor"),
    Agency.voluntary_sector: N_("Support charity"),
    Agency.other: N_("Other"),
}


def agency_options(translations) -> list[tuple[str, str]]:
    """(value, name) for every agency, in the reader's language, in a stable order."""
    return [(agency.value, translations.gettext(name)) for agency, name in AGENCY_NAMES.items()]

# A change in an appointment's history, as the parent reads it.
CHANGE_NAMES = {
    "new": N_("Added"),
    "moved": N_("Moved"),
    "cancelled": N_("Cancelled"),
    "changed": N_("Details changed"),
    "restored": N_("Back on"),
    "source_removed": N_("You removed the calendar"),
}
