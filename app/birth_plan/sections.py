"""The sections of a birth plan, in order, each with a short "why this matters" note.

Titles, hints and notes are English message ids (`N_`); pages translate them.
"""

from dataclasses import dataclass

from app.forms import N_


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    hint: str
    why: str
    # The safeguarding arrangements also say who agreed them and when.
    agreement: bool = False


SECTIONS = (
    Section(
        "about_me",
        N_("About me, and how I like to be spoken to"),
        N_("Your name, what you like to be called, and what helps people talk with you kindly."),
        N_(
            "Many people may care for you around the birth. This tells them who you are. "
            "It helps them speak to you in a way that feels right for you."
        ),
    ),
    Section(
        "communication",
        N_("How I communicate, and if I need an interpreter"),
        N_(
            "Your language, if you need an interpreter, and what helps you understand, "
            "like easy read or more time."
        ),
        N_(
            "You should be able to understand what is said to you, and what is decided. "
            "You can ask for an interpreter. If you write it here, people know before the day."
        ),
    ),
    Section(
        "birth_partners",
        N_("Who I want with me"),
        N_("Who you want with you in labour and after, and anyone you do not want there."),
        N_(
            "Having someone you trust with you can help you feel safe. "
            "Write down who they are, so the staff know them."
        ),
    ),
    Section(
        "birth_preferences",
        N_("How I would like to give birth"),
        N_("Where you hope to give birth, pain relief, and what you would like to happen."),
        N_(
            "Birth does not always go to plan, and that is OK. Your wishes still matter. "
            "Writing them down helps the midwives know what is important to you."
        ),
    ),
    Section(
        "feeding",
        N_("Feeding my baby"),
        N_("How you hope to feed your baby, and the help you would like."),
        N_(
            "You can say how you hope to feed your baby. If you are not sure yet, that is OK. "
            "You can ask your midwife to help you think about it."
        ),
    ),
    Section(
        "time_with_baby",
        N_("Time with my baby after birth"),
        N_("Holding your baby, skin to skin, who can be there, and time alone together."),
        N_(
            "The first hours with your baby matter to you both. "
            "If you say what you would like, people can plan for it."
        ),
    ),
    Section(
        "if_baby_not_home",
        N_("If my baby cannot come home with me"),
        N_(
            "Time together, photos, hand and foot prints, keepsakes, who will tell you what "
            "is happening, and who you can call."
        ),
        N_(
            "This is hard to think about. You do not have to write it all at once. "
            "If it does happen, your wishes are written down. "
            "People will know what matters to you, like photos and time together."
        ),
    ),
    Section(
        "support_after",
        N_("Support I need after"),
        N_("Help for your body and your feelings, and who you want to hear from."),
        N_(
            "The weeks after a birth can be hard, whatever happens. It is OK to ask for help. "
            "Write down what would help you, and who you want to hear from."
        ),
    ),
    Section(
        "safeguarding",
        N_("The safeguarding arrangements, as agreed"),
        N_(
            "What has been agreed with children's social care about the time around the birth, "
            "in the words you were given."
        ),
        N_(
            "This part says what has been agreed to keep your baby safe. "
            "Write who agreed it and when. Then everyone works from the same plan. "
            "If it is not what you were told, you can ask about it."
        ),
        agreement=True,
    ),
)

BY_KEY = {section.key: section for section in SECTIONS}
