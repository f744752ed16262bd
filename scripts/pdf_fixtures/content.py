"""The text of Exempelkommun's library plan, shared by every fixture builder so PDF and Markdown twins match."""

from __future__ import annotations

from dataclasses import dataclass, field

TITLE = "Biblioteksplan 2025–2028"
MUNICIPALITY = "Exempelkommun"
RUNNING = f"{TITLE} | {MUNICIPALITY}"
ADOPTED = "Antagen av kommunfullmäktige 2025-03-17, § 45"
SUBTITLE = "Plan för folkbiblioteket och skolbiblioteken i Exempelkommun"


@dataclass(frozen=True)
class Section:
    """One heading with its paragraphs, an optional bullet list (after its lead-in) and an optional table."""

    heading: str
    paragraphs: tuple[str, ...]
    lead_in: str | None = None
    bullets: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    table: tuple[tuple[str, ...], ...] = field(default=())


FOREWORD = Section(
    "Förord",
    (
        "Biblioteken är en av kommunens mest använda offentliga verksamheter. Varje år görs drygt 180 000 besök "
        "på huvudbiblioteket och de fyra filialerna, och många invånare möter biblioteket också genom "
        "skolbiblioteken, bokbussen och de digitala tjänsterna.",
        "Den här planen visar hur biblioteksverksamheten ska utvecklas under perioden 2025–2028. Planen är "
        "framtagen i samverkan mellan kultur- och fritidsförvaltningen, utbildningsförvaltningen och "
        "socialförvaltningen, och den bygger på dialoger med invånare, elever och personal.",
    ),
)

SUMMARY = Section(
    "Sammanfattning",
    (
        "Biblioteksplanen omfattar folkbiblioteket, skolbiblioteken och den uppsökande verksamheten. "
        "Planen har fyra prioriterade områden: barn och unga, läsfrämjande, nationella minoriteter och "
        "digital delaktighet.",
        "Uppföljningen sker årligen i kultur- och fritidsnämndens verksamhetsberättelse, och planen "
        "revideras senast hösten 2028.",
    ),
)

BODY: tuple[Section, ...] = (
    Section(
        "Inledning och uppdrag",
        (
            "Enligt bibliotekslagen (2013:801) ska kommuner och regioner anta planer för sin "
            "biblioteksverksamhet. Biblioteksplanen är ett styrdokument som omfattar alla "
            "biblioteksverksamheter som kommunen är huvudman för, det vill säga folkbiblioteket och "
            "skolbiblioteken i de kommunala grundskolorna och gymnasieskolan.",
            "Folkbiblioteket ska verka för det demokratiska samhällets utveckling genom att bidra till "
            "kunskapsförmedling och fri åsiktsbildning. Biblioteksverksamheten ska finnas tillgänglig för "
            "alla och anpassas till användarnas behov. Kulturförvaltningens biblioteksavdelning ansvarar för "
            "folkbiblioteksverksamheten, medan rektor ansvarar för att eleverna har tillgång till skolbibliotek.",
        ),
    ),
    Section(
        "Barn och unga",
        (
            "Barn och unga är en prioriterad grupp enligt bibliotekslagen. Biblioteken ska ägna särskild "
            "uppmärksamhet åt barn och unga för att främja språkutveckling och stimulera till läsning. "
            "Barnkonventionen är sedan 2020 svensk lag, och barnets bästa ska beaktas i all planering av "
            "biblioteksverksamheten.",
        ),
        lead_in="Under planperioden ska biblioteken särskilt arbeta med följande insatser för barn och unga:",
        bullets=(
            "Alla barn i förskoleklass får besöka biblioteket och få ett eget lånekort.",
            "Bokstartsbesök erbjuds alla familjer med barn som fyller ett år.",
            "Ungdomar mellan 13 och 19 år får inflytande över inköp och programverksamhet genom ett ungdomsråd.",
            "Sommarlovsläsningen utvecklas tillsammans med fritidsgårdarna.",
        ),
        after=(
            "Skolbibliotekens samverkan med folkbiblioteket formaliseras i en överenskommelse som "
            "utbildningsnämnden och kultur- och fritidsnämnden antar under 2025.",
        ),
    ),
    Section(
        "Läsfrämjande",
        (
            "Läsförståelsen bland elever i årskurs 4 har försämrats under de senaste åren. Biblioteken har en "
            "nyckelroll i det läsfrämjande arbetet, både genom att erbjuda ett brett och aktuellt "
            "mediebestånd och genom att skapa sammanhang där läsning blir meningsfull.",
            "Läsombuden på kommunens äldreboenden ska bli fler, och biblioteket ska erbjuda högläsning på "
            "alla äldreboenden minst en gång i månaden. Talböcker och lättlästa böcker ska marknadsföras "
            "till personer med läsnedsättning, och alla filialer ska ha en lättläst-hylla.",
            "Kommunen ska delta i den nationella satsningen på läsfrämjande och varje år arrangera en "
            "läsfestival under vecka 46 i samarbete med studieförbunden och det lokala föreningslivet.",
        ),
    ),
    Section(
        "Nationella minoriteter",
        (
            "Exempelkommun ingår i förvaltningsområdet för finska sedan 2012. Enligt lagen (2009:724) om "
            "nationella minoriteter och minoritetsspråk ska kommunen skydda och främja de nationella "
            "minoriteternas språk och kultur, och barns utveckling av en kulturell identitet och användning "
            "av det egna minoritetsspråket ska främjas särskilt.",
            "Biblioteket ska ha ett aktuellt bestånd av litteratur på finska, meänkieli, samiska, romani "
            "chib och jiddisch, och köpa in minst 150 nya titlar på minoritetsspråk per år. Sagostunder på "
            "finska erbjuds varannan lördag på huvudbiblioteket.",
            "Samråd med de nationella minoriteterna om bibliotekets utbud hålls två gånger per år.",
        ),
    ),
    Section(
        "Digital delaktighet",
        (
            "Alla invånare ska ha möjlighet att ta del av det digitala samhället. Biblioteken erbjuder "
            "datorer, skrivare, trådlöst nätverk och personlig handledning i digitala tjänster som e-legitimation, "
            "digital brevlåda och vårdens e-tjänster.",
            "Digitala Dropin-träffar hålls varje vecka på huvudbiblioteket och varannan vecka på filialerna. "
            "Under planperioden ska antalet meröppna bibliotek öka från två till fyra, så att invånarna kan "
            "använda biblioteket mellan klockan 07.00 och 22.00 alla dagar.",
            "Biblioteket samarbetar med kommunens medborgarkontor och Skatteverket om stöd i digitala ärenden, "
            "och personalen ska genomgå kompetensutveckling i informationskompetens och källkritik.",
        ),
    ),
    Section(
        "Mål och uppföljning",
        ("Tabellen visar planens mål, hur de följs upp och vem som ansvarar för dem.",),
        table=(
            ("Mål", "Indikator", "Ansvarig", "År"),
            ("Fler barn läser", "Antal utlån till barn 0–12 år", "Biblioteksavdelningen", "2026"),
            (
                "Stärkt skolbibliotek",
                "Andel skolor med bemannat skolbibliotek",
                "Utbildningsförvaltningen",
                "2027",
            ),
            ("Minoritetsspråk", "Antal nya titlar på minoritetsspråk", "Biblioteksavdelningen", "2025"),
            ("Meröppet", "Antal meröppna bibliotek", "Kultur- och fritidsförvaltningen", "2028"),
            ("Digital delaktighet", "Antal deltagare i digital handledning", "Biblioteksavdelningen", "2026"),
        ),
        after=(
            "Biblioteksplanen följs upp årligen och redovisas för kultur- och fritidsnämnden i februari. "
            f"{ADOPTED}.",
        ),
    ),
)


def markdown(title: str = TITLE) -> str:
    """The plan as Markdown: the twin of every PDF fixture."""
    lines = [f"# {title}", "", MUNICIPALITY, "", SUBTITLE, "", ADOPTED + ".", ""]
    for section in (FOREWORD, SUMMARY, *BODY):
        lines += [f"## {section.heading}", ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        if section.lead_in:
            lines.append(section.lead_in)
            lines += [f"- {item}" for item in section.bullets]
            lines.append("")
        for row in section.table:
            lines.append(" | ".join(row))
        if section.table:
            lines.append("")
        for paragraph in section.after:
            lines += [paragraph, ""]
    return "\n".join(lines)
