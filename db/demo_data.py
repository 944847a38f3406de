"""The demo dataset: every fact in one news article, as plain typed data.

Source: The National, "Iran-backed militias in Iraq keep up pressure on US forces with
new drone attacks", updated 1 January 2024, 1:35 PM (seed ``000_285086074f318eeb``).
Quotations in the comments ("…") are the article sentences each fact comes from.

Records refer to one another by name (actors, locations), by ``key`` (sources and
statements, which have no natural name) and by external id (incidents); ``db.demo``
resolves these to database ids. Nothing here touches the database.

Modelling conventions:

* A statement made by the publisher itself (context the article states without
  attributing it) has no speaker (``speaker_actor`` and ``speaker_name`` both ``None``)
  and ``stated_on`` = the publication date.
* ``is_quote`` statements hold exactly the speaker's words as the article quotes them;
  reported speech is stored as paraphrase with ``is_quote`` false.
* Where the article does not give a date, the date is ``None`` rather than a guess.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pycountry

# --- record types ---------------------------------------------------------------------


@dataclass(frozen=True)
class ActorData:
    name: str
    kind: str
    country_code: str | None
    description: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class LocationData:
    name: str
    kind: str
    latitude: float | None
    longitude: float | None
    geo_precision: str
    precision_km: float | None
    country_code: str | None
    admin1_code: str | None
    admin1_name: str | None
    admin2_name: str | None
    parent: str | None  # a LocationData.name listed earlier in LOCATIONS
    description: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class MediaData:
    kind: str
    caption: str | None
    credit: str | None
    url: str | None = None


@dataclass(frozen=True)
class SourceData:
    key: str
    kind: str
    publisher: str
    title: str | None
    url: str | None
    author: str | None
    published_at: dt.datetime | None
    revised_at: dt.datetime | None
    language: str | None
    machine_translated: bool
    note: str | None
    media: tuple[MediaData, ...] = ()


@dataclass(frozen=True)
class RelationData:
    subject: str  # actor name
    kind: str
    object: str  # actor name
    basis: str
    note: str
    asserted_by: str | None = None  # actor name
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    sources: tuple[str, ...] = ("national-2024-01-01",)


@dataclass(frozen=True)
class DeploymentData:
    location: str  # location name
    actor: str  # actor name
    note: str
    strength: int | None = None
    strength_note: str | None = None
    mission: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    sources: tuple[str, ...] = ("national-2024-01-01",)


@dataclass(frozen=True)
class ParticipantData:
    actor: str  # actor name
    role: str
    basis: str
    note: str
    attributed_by: str | None = None  # actor name
    source: str | None = "national-2024-01-01"  # source key
    statement: str | None = None  # statement key


@dataclass(frozen=True)
class IncidentData:
    external_id: str  # in EXTERNAL_ID_SYSTEM
    occurred_on: dt.date
    location: str  # location name
    event_type: str
    sub_event_type: str
    weapon: str
    projectile_count: int | None
    outcome: str
    claim_status: str
    killed: tuple[int, int, int] | None  # (low, best, high); None = not reported
    injured: tuple[int, int, int] | None
    damage: str
    damage_description: str | None
    summary: str
    notes: str
    tags: tuple[str, ...]
    participants: tuple[ParticipantData, ...]
    source_note: str  # incident_source.note for the article
    time_precision: str = "DAY"
    sources: tuple[str, ...] = ("national-2024-01-01",)

    @property
    def date_earliest(self) -> dt.date:
        return self.occurred_on

    @property
    def date_latest(self) -> dt.date:
        return self.occurred_on


@dataclass(frozen=True)
class StatementData:
    key: str
    source: str  # source key
    text: str
    speaker_actor: str | None = None  # actor name
    speaker_name: str | None = None
    channel: str | None = None
    is_quote: bool = False
    stated_on: dt.date | None = None
    incident: str | None = None  # incident external id


def _admin1_name(code: str) -> str:
    subdivision = pycountry.subdivisions.get(code=code)
    assert subdivision is not None, code
    return str(subdivision.name)


# --- dates ----------------------------------------------------------------------------

SATURDAY = dt.date(2023, 12, 30)
SUNDAY = dt.date(2023, 12, 31)
MONDAY = dt.date(2024, 1, 1)  # "Updated: January 01, 2024" and "The attack on Monday"
PUBLISHED_ON = MONDAY

# "Updated: January 01, 2024, 1:35 PM" gives no time zone. The National is published
# in Abu Dhabi, so we assume Gulf Standard Time (UTC+04:00). Only the update time is
# shown, so it stands for both the publication and the revision time.
GULF_STANDARD_TIME = dt.timezone(dt.timedelta(hours=4), "GST")
UPDATED_AT = dt.datetime(2024, 1, 1, 13, 35, tzinfo=GULF_STANDARD_TIME)

EXTERNAL_ID_SYSTEM = "sitrep-demo"

# --- names (tests and the loader look records up by these exact names) ---------------

IRI = "Islamic Resistance in Iraq"
AAH = "Asaib Ahl al-Haq"
HAN = "Harakat al-Nujaba"
KH = "Kataib Hezbollah"
PMF = "Popular Mobilisation Forces"
IRAN = "Iran"
ISRAEL = "Israel"
GOI = "Government of Iraq"
SUDANI = "Mohammed Shia al-Sudani"
PRO_TEHRAN = "Pro-Tehran parties (Iraq)"
KRG = "Kurdistan Regional Government"
BARZANI = "Masrour Barzani"
PESHMERGA = "Peshmerga"
US_FORCES = "United States Armed Forces"
COALITION = "Global Coalition to Defeat ISIS"
IRAQI_ARMY = "Iraqi Army"
OUTLAWS = "Outlaws (unidentified, per KRG)"

IRAQ = "Iraq"
SYRIA = "Syria"
KURDISTAN = "Kurdistan Region"
ANBAR = "Al Anbar Governorate"
ERBIL_GOV = "Erbil Governorate"
BAGHDAD = "Baghdad"
ERBIL = "Erbil"
AIN_AL_ASAD = "Ain al-Asad Air Base"
ERBIL_AIRPORT = "Erbil International Airport"
PESHMERGA_BASE = "Peshmerga base (Erbil province, unnamed)"

# --- sources --------------------------------------------------------------------------

ARTICLE = "national-2024-01-01"
RELATED = "national-iraq-end-presence"

SOURCES: tuple[SourceData, ...] = (
    SourceData(
        key=ARTICLE,
        kind="NEWS_ARTICLE",
        publisher="The National",
        title="Iran-backed militias in Iraq keep up pressure on US forces with new drone attacks",
        url=(
            "https://www.thenationalnews.com/mena/iraq/2024/01/01/"
            "iran-backed-militias-in-iraq-keep-up-pressure-on-us-forces-with-new-drone-attacks/"
        ),
        author=None,  # no byline in the text
        published_at=UPDATED_AT,
        revised_at=UPDATED_AT,
        language="en",
        machine_translated=True,  # "Powered by automated translation"
        # The subheading.
        note="More than 100 attacks have been launched on US military since October 17",
        media=(
            MediaData(
                kind="PHOTO",
                caption=(
                    "Blast walls at sleeping quarters for US soldiers at Ain Al Asad airbase in "
                    "Anbar province, Iraq. US defence systems shot down an armed drone over the "
                    "airbase."
                ),
                credit="Reuters",
            ),
        ),
    ),
    # "Iraq seeks to 'end presence' of US-led forces in country" (a related-reading link
    # inside the article; only its headline is known).
    SourceData(
        key=RELATED,
        kind="NEWS_ARTICLE",
        publisher="The National",
        title="Iraq seeks to 'end presence' of US-led forces in country",
        url=None,
        author=None,
        published_at=None,
        revised_at=None,
        language="en",
        machine_translated=False,
        note="linked as related reading in the article",
    ),
)

# --- actors ---------------------------------------------------------------------------

ACTORS: tuple[ActorData, ...] = (
    # "operate under an umbrella organisation called the Islamic Resistance in Iraq"
    ActorData(
        IRI,
        "UMBRELLA_GROUP",
        "IQ",
        "Umbrella organisation of Iran-backed militias attacking US forces in Iraq and Syria; "
        "analysts say its groups are fronts for Asaib Ahl al-Haq, Harakat al-Nujaba and "
        "Kataib Hezbollah.",
        ("IRI", "al-Muqawama al-Islamiya fi al-Iraq"),
    ),
    # "Iran-backed and Iraqi government-funded militias Asaib Ahl Al Haq, Harakat Al
    # Nujaba and Kataib Hezbollah"
    ActorData(
        AAH,
        "MILITIA",
        "IQ",
        "Iran-backed and Iraqi government-funded militia; part of the Popular Mobilisation Forces.",
        ("Asa'ib Ahl al-Haq", "Asaib Ahl Al Haq", "AAH", "League of the Righteous"),
    ),
    ActorData(
        HAN,
        "MILITIA",
        "IQ",
        "Iran-backed and Iraqi government-funded militia; part of the Popular Mobilisation Forces.",
        ("Harakat Hezbollah al-Nujaba", "Harakat Al Nujaba", "al-Nujaba", "HaN"),
    ),
    ActorData(
        KH,
        "MILITIA",
        "IQ",
        "Iran-backed and Iraqi government-funded militia; part of the Popular Mobilisation Forces.",
        ("Kata'ib Hizballah", "Kataib Hizballah", "KH", "Hezbollah Brigades"),
    ),
    # "Such groups are among around 50 government-funded militias in the Popular
    # Mobilisation Forces."
    ActorData(
        PMF,
        "MILITIA",
        "IQ",
        "Iraqi state-funded umbrella of around 50 militias.",
        (
            "PMF",
            "Hashd al-Shaabi",
            "al-Hashd al-Shaabi",
            "Popular Mobilization Forces",
            "PMU",
        ),
    ),
    # "Iran-backed militias"; "pro-Tehran parties"
    ActorData(
        IRAN,
        "STATE",
        "IR",
        "Backs the militias behind the attacks on US forces in Iraq.",
        ("Islamic Republic of Iran", "Tehran"),
    ),
    # "Israel's war in Gaza, which has killed more than 21,800 people"
    ActorData(
        ISRAEL,
        "STATE",
        "IL",
        "At war in Gaza; the militias' escalation of attacks on US forces followed the war.",
        ("State of Israel",),
    ),
    # "The government of Prime Minister Mohammed Shia Al Sudani"; "the federal government"
    # in Baghdad
    ActorData(
        GOI,
        "POLITICAL_GOVERNMENT",
        "IQ",
        "The federal government of Iraq in Baghdad, led by Prime Minister Mohammed Shia "
        "al-Sudani and backed by pro-Tehran parties.",
        ("Iraqi federal government", "Baghdad", "Federal Government of Iraq"),
    ),
    ActorData(
        SUDANI,
        "PERSON",
        "IQ",
        "Prime Minister of Iraq.",
        ("Mohammed Shia Al Sudani", "al-Sudani", "Sudani"),
    ),
    # "backed by pro-Tehran parties" (the article does not name them)
    ActorData(
        PRO_TEHRAN,
        "POLITICAL_PARTY",
        "IQ",
        "The pro-Tehran parties backing al-Sudani's government; the article does not name them.",
        ("pro-Tehran parties",),
    ),
    # "Authorities in Iraqi Kurdistan"; "the regional government"
    ActorData(
        KRG,
        "REGIONAL_GOVERNMENT",
        "IQ",
        "Government of the autonomous Kurdistan Region of Iraq, which has strained relations "
        "with Baghdad.",
        ("KRG", "Kurdistan Region of Iraq government", "regional government"),
    ),
    # "Masrour Barzani, Prime Minister of Iraqi Kurdistan"
    ActorData(
        BARZANI,
        "PERSON",
        "IQ",
        "Prime Minister of Iraqi Kurdistan (the Kurdistan Regional Government).",
    ),
    # "The region's Peshmerga forces are allies of the US-led anti-ISIS coalition"
    ActorData(
        PESHMERGA,
        "STATE_FORCES",
        "IQ",
        "Security forces of the autonomous Kurdistan Region; allies of the US-led anti-ISIS "
        "coalition.",
        ("Kurdish Peshmerga", "Peshmerga forces"),
    ),
    # "US defence systems"; "US forces"; "About 2,500 have been in Iraq"
    ActorData(
        US_FORCES,
        "STATE_FORCES",
        "US",
        "About 2,500 US troops are in Iraq, a holdover force from the 2014-2018 war against "
        "ISIS, training and advising the Iraqi army.",
        ("US forces", "American forces", "US military", "U.S. forces"),
    ),
    # "the US-led anti-ISIS coalition that has several thousand international troops
    # deployed in Iraq"
    ActorData(
        COALITION,
        "COALITION",
        None,  # multinational
        "US-led anti-ISIS coalition with several thousand international troops in Iraq.",
        ("US-led coalition", "international coalition", "anti-ISIS coalition", "CJTF-OIR"),
    ),
    # "train and advise the official Iraqi army"
    ActorData(
        IRAQI_ARMY,
        "STATE_FORCES",
        "IQ",
        "The official Iraqi army, trained and advised by US forces.",
        ("Iraqi army",),
    ),
    # "blaming the attack on 'outlaws' funded by Baghdad"
    ActorData(
        OUTLAWS,
        "UNIDENTIFIED_ARMED_GROUP",
        "IQ",
        "Unidentified group the Kurdistan Regional Government blamed for the drone attack on "
        "a Peshmerga base in Erbil province on 30 December 2023, saying it is funded by the "
        "federal government in Baghdad.",
        ("outlaws",),
    ),
)

# --- relations between actors ---------------------------------------------------------

_FRONTS = (AAH, HAN, KH)

RELATIONS: tuple[RelationData, ...] = (
    # "The groups, which analysts say are front organisations for ... Asaib Ahl Al Haq,
    # Harakat Al Nujaba and Kataib Hezbollah, operate under an umbrella organisation
    # called the Islamic Resistance in Iraq."
    *(
        RelationData(
            IRI,
            "FRONT_FOR",
            militia,
            "ALLEGED",
            "Analysts say the groups under the umbrella are front organisations for this militia.",
        )
        for militia in _FRONTS
    ),
    # "Such groups are among around 50 government-funded militias in the Popular
    # Mobilisation Forces."
    *(
        RelationData(
            militia,
            "PART_OF",
            PMF,
            "REPORTED",
            "Among around 50 government-funded militias in the PMF.",
        )
        for militia in _FRONTS
    ),
    # "Iran-backed and Iraqi government-funded militias"
    *(RelationData(militia, "BACKED_BY", IRAN, "REPORTED", "Iran-backed.") for militia in _FRONTS),
    *(
        RelationData(militia, "FUNDED_BY", GOI, "REPORTED", "Iraqi government-funded.")
        for militia in _FRONTS
    ),
    # "around 50 government-funded militias in the Popular Mobilisation Forces"
    RelationData(
        PMF, "FUNDED_BY", GOI, "REPORTED", "Its around 50 militias are government-funded."
    ),
    # "The government of Prime Minister Mohammed Shia Al Sudani is backed by pro-Tehran
    # parties."
    RelationData(GOI, "LED_BY", SUDANI, "REPORTED", "Prime Minister."),
    RelationData(GOI, "BACKED_BY", PRO_TEHRAN, "REPORTED", "Backed by pro-Tehran parties."),
    RelationData(PRO_TEHRAN, "OTHER", IRAN, "REPORTED", "Pro-Tehran (politically aligned)."),
    # "Masrour Barzani, Prime Minister of Iraqi Kurdistan"
    RelationData(KRG, "LED_BY", BARZANI, "REPORTED", "Prime Minister of Iraqi Kurdistan."),
    # "a military base used by the autonomous region's security forces"; "The region's
    # Peshmerga forces"
    RelationData(PESHMERGA, "PART_OF", KRG, "REPORTED", "The region's security forces."),
    # "The region's Peshmerga forces are allies of the US-led anti-ISIS coalition"
    RelationData(PESHMERGA, "ALLIED_WITH", COALITION, "REPORTED", "Allies of the coalition."),
    # "the US-led anti-ISIS coalition"
    RelationData(US_FORCES, "PART_OF", COALITION, "REPORTED", "Leads the coalition."),
    RelationData(COALITION, "LED_BY", US_FORCES, "REPORTED", "US-led."),
    # "who remain to train and advise the official Iraqi army"
    RelationData(US_FORCES, "ADVISES", IRAQI_ARMY, "REPORTED", "Train and advise."),
    # "blaming the attack on 'outlaws' funded by Baghdad"; "The regional government said
    # these groups 'are funded by the federal government' in Baghdad"
    RelationData(
        OUTLAWS,
        "FUNDED_BY",
        GOI,
        "ALLEGED",
        "The KRG says these groups 'are funded by the federal government'.",
        asserted_by=KRG,
    ),
    # "the federal government in Baghdad, with which it has strained relations"
    RelationData(KRG, "OTHER", GOI, "REPORTED", "strained relations"),
    # "Tensions between the militias and the US have risen again"; the attacks on US forces
    RelationData(IRI, "OPPOSES", US_FORCES, "REPORTED", "Drone and rocket attacks on US forces."),
    # "after US retaliatory air strikes against the groups"
    RelationData(US_FORCES, "OPPOSES", IRI, "REPORTED", "US retaliatory air strikes."),
    # Related headline: "Iraq seeks to 'end presence' of US-led forces in country"
    RelationData(
        GOI,
        "OTHER",
        COALITION,
        "REPORTED",
        "Seeks to 'end presence' of US-led forces in Iraq (headline of a related article).",
        sources=(ARTICLE, RELATED),
    ),
)

# --- locations (parents before children) ----------------------------------------------

LOCATIONS: tuple[LocationData, ...] = (
    LocationData(
        IRAQ,
        "COUNTRY",
        33.22,
        43.68,
        "COUNTRY",
        400.0,
        "IQ",
        None,
        None,
        None,
        None,
        "Republic of Iraq.",
        ("Republic of Iraq",),
    ),
    # "106 attacks against its troops in Iraq and Syria"
    LocationData(
        SYRIA,
        "COUNTRY",
        34.80,
        38.99,
        "COUNTRY",
        250.0,
        "SY",
        None,
        None,
        None,
        None,
        "Syrian Arab Republic.",
        ("Syrian Arab Republic",),
    ),
    # "Iraqi Kurdistan"; "the autonomous region". The region (ISO 3166-2 IQ-KR) groups
    # several governorates, so it is kind OTHER with no admin1 code, and Erbil Governorate
    # (IQ-AR) is its child.
    LocationData(
        KURDISTAN,
        "OTHER",
        36.40,
        44.40,
        "ADMIN1",
        120.0,
        "IQ",
        None,
        None,
        None,
        IRAQ,
        "Autonomous Kurdistan Region of Iraq (ISO 3166-2 IQ-KR), governed by the Kurdistan "
        "Regional Government.",
        ("Iraqi Kurdistan", "Kurdistan Region of Iraq", "KRI"),
    ),
    # "Ain Al Asad airbase in Anbar province"
    LocationData(
        ANBAR,
        "ADMIN1",
        33.00,
        42.00,
        "ADMIN1",
        210.0,
        "IQ",
        "IQ-AN",
        _admin1_name("IQ-AN"),
        None,
        IRAQ,
        "Governorate in western Iraq.",
        ("Anbar province", "Anbar", "Al Anbar"),
    ),
    # "The attack on the base in Erbil province"
    LocationData(
        ERBIL_GOV,
        "ADMIN1",
        36.50,
        44.30,
        "ADMIN1",
        70.0,
        "IQ",
        "IQ-AR",
        _admin1_name("IQ-AR"),
        None,
        KURDISTAN,
        "Governorate in the Kurdistan Region of northern Iraq.",
        ("Arbil", "Erbil province", "Hewlêr"),
    ),
    # "the federal government" in Baghdad
    LocationData(
        BAGHDAD,
        "CITY",
        33.3152,
        44.3661,
        "NEAR",
        15.0,
        "IQ",
        "IQ-BG",
        _admin1_name("IQ-BG"),
        None,
        IRAQ,
        "Capital of Iraq, seat of the federal government.",
    ),
    LocationData(
        ERBIL,
        "CITY",
        36.1911,
        44.0092,
        "NEAR",
        10.0,
        "IQ",
        "IQ-AR",
        _admin1_name("IQ-AR"),
        None,
        ERBIL_GOV,
        "Capital of the Kurdistan Region.",
        ("Irbil", "Hawler", "Erbil city"),
    ),
    # "Ain Al Asad airbase that hosts American, Iraqi and other international forces in
    # western Iraq"
    LocationData(
        AIN_AL_ASAD,
        "AIRBASE",
        33.7856,
        42.4411,
        "EXACT",
        2.0,
        "IQ",
        "IQ-AN",
        _admin1_name("IQ-AN"),
        "Hit",
        ANBAR,
        "Airbase in western Iraq hosting American, Iraqi and other international forces.",
        ("Ain Al Asad airbase", "Al-Asad Airbase", "Ain al Asad", "Al Asad Air Base"),
    ),
    # "Erbil Airport in northern Iraq where US and other international forces are
    # stationed"
    LocationData(
        ERBIL_AIRPORT,
        "AIRPORT",
        36.2376,
        43.9632,
        "EXACT",
        2.0,
        "IQ",
        "IQ-AR",
        _admin1_name("IQ-AR"),
        "Erbil",
        ERBIL,
        "Airport in northern Iraq where US and other international forces are stationed.",
        ("Erbil Airport", "Arbil Airport", "EBL"),
    ),
    # "two drones struck a military base used by the autonomous region's security
    # forces"; "the base in Erbil province". The site is not reported, so the point is the
    # governorate's and the precision is the governorate's extent.
    LocationData(
        PESHMERGA_BASE,
        "MILITARY_BASE",
        36.50,
        44.30,
        "ADMIN1",
        70.0,
        "IQ",
        "IQ-AR",
        _admin1_name("IQ-AR"),
        None,
        ERBIL_GOV,
        "Military base used by the Kurdistan Region's security forces (Peshmerga) somewhere "
        "in Erbil province; the article does not name or locate it.",
    ),
)

# --- deployments ----------------------------------------------------------------------

DEPLOYMENTS: tuple[DeploymentData, ...] = (
    # "Ain Al Asad airbase that hosts American, Iraqi and other international forces"
    DeploymentData(AIN_AL_ASAD, US_FORCES, "American forces hosted at the airbase."),
    DeploymentData(AIN_AL_ASAD, IRAQI_ARMY, "Iraqi forces hosted at the airbase."),
    DeploymentData(AIN_AL_ASAD, COALITION, "Other international forces hosted at the airbase."),
    # "Erbil Airport ... where US and other international forces are stationed"
    DeploymentData(ERBIL_AIRPORT, US_FORCES, "US forces stationed at the airport."),
    DeploymentData(
        ERBIL_AIRPORT, COALITION, "Other international forces stationed at the airport."
    ),
    # "a military base used by the autonomous region's security forces"
    DeploymentData(PESHMERGA_BASE, PESHMERGA, "Base used by the region's security forces."),
    # "About 2,500 have been in Iraq, a holdover force from the 2014-2018 war against ISIS,
    # who remain to train and advise the official Iraqi army."
    DeploymentData(
        IRAQ,
        US_FORCES,
        "US forces withdrew the bulk of their troops in 2011; this is the force that remained "
        "after the 2014-2018 war against ISIS.",
        strength=2500,
        strength_note="about 2,500",
        mission="train and advise the Iraqi army; holdover from the 2014-2018 war against ISIS",
    ),
    # "the US-led anti-ISIS coalition that has several thousand international troops
    # deployed in Iraq"
    DeploymentData(
        IRAQ,
        COALITION,
        "International troops of the US-led anti-ISIS coalition.",
        strength_note="several thousand",
        mission="anti-ISIS",
    ),
    # "106 attacks against its troops in Iraq and Syria"
    DeploymentData(
        SYRIA,
        US_FORCES,
        "Implied by the US military tally of attacks against its troops in Iraq and Syria.",
    ),
)

# --- incidents ------------------------------------------------------------------------

AIN_AL_ASAD_ID = "2024-01-01-ain-al-asad"
ERBIL_AIRPORT_ID = "2023-12-31-erbil-airport"
PESHMERGA_BASE_ID = "2023-12-30-erbil-peshmerga-base"

_IRAN_BACKED_NOTE = (
    "Not claimed in the article; it counts the attack among the drones and rockets "
    "'launched by Iran-backed militias', which operate under the Islamic Resistance in Iraq."
)

INCIDENTS: tuple[IncidentData, ...] = (
    # "US defence systems shot down an armed drone over Ain Al Asad airbase that hosts
    # American, Iraqi and other international forces in western Iraq, government sources
    # said. The attack on Monday, which the sources said did not cause casualties or
    # damage, ..."
    IncidentData(
        external_id=AIN_AL_ASAD_ID,
        occurred_on=MONDAY,
        location=AIN_AL_ASAD,
        # ACLED codes intercepted attacks as disrupted weapons use.
        event_type="STRATEGIC_DEVELOPMENTS",
        sub_event_type="DISRUPTED_WEAPONS_USE",
        weapon="DRONE",
        projectile_count=1,
        outcome="INTERCEPTED",
        claim_status="UNKNOWN",
        killed=(0, 0, 0),
        injured=(0, 0, 0),
        damage="NONE",
        damage_description="No casualties or damage, according to Iraqi government sources.",
        summary=(
            "US defence systems shot down an armed drone over Ain al-Asad airbase in western "
            "Iraq, which hosts American, Iraqi and other international forces."
        ),
        notes=(
            "Reported by Iraqi government sources. One of scores of drones and rockets "
            "launched by Iran-backed militias in an escalation following Israel's war in "
            "Gaza. It came hours after a drone was shot down over Erbil Airport."
        ),
        tags=("iran-backed-militias", "us-forces", "gaza-war-escalation", "drone", "intercepted"),
        participants=(
            ParticipantData(
                IRI,
                "PERPETRATOR",
                "ALLEGED",
                _IRAN_BACKED_NOTE,
                statement="iran-backed-escalation",
            ),
            ParticipantData(
                US_FORCES,
                "TARGET",
                "REPORTED",
                "The attacks are described as pressure on US forces; the base hosts them.",
            ),
            ParticipantData(
                US_FORCES,
                "INTERCEPTOR",
                "REPORTED",
                "US defence systems shot the drone down, government sources said.",
                statement="ain-al-asad-interception",
            ),
        ),
        source_note="Citing Iraqi government sources.",
    ),
    # "came hours after a drone was shot down on Sunday over Erbil Airport in northern Iraq
    # where US and other international forces are stationed."
    IncidentData(
        external_id=ERBIL_AIRPORT_ID,
        occurred_on=SUNDAY,
        location=ERBIL_AIRPORT,
        event_type="STRATEGIC_DEVELOPMENTS",
        sub_event_type="DISRUPTED_WEAPONS_USE",
        weapon="DRONE",
        projectile_count=1,
        outcome="INTERCEPTED",
        claim_status="UNKNOWN",
        killed=None,
        injured=None,
        damage="UNKNOWN",
        damage_description=None,
        summary=(
            "A drone was shot down over Erbil Airport in northern Iraq, where US and other "
            "international forces are stationed."
        ),
        notes=(
            "The article does not say who shot the drone down or whether it caused casualties "
            "or damage. Counted among the attacks launched by Iran-backed militias."
        ),
        tags=("iran-backed-militias", "us-forces", "gaza-war-escalation", "drone", "intercepted"),
        participants=(
            ParticipantData(
                IRI,
                "PERPETRATOR",
                "ALLEGED",
                _IRAN_BACKED_NOTE,
                statement="iran-backed-escalation",
            ),
            ParticipantData(
                US_FORCES,
                "TARGET",
                "REPORTED",
                "US and other international forces are stationed at the airport.",
            ),
        ),
        source_note="Reported by the publisher, without attribution.",
    ),
    # "two drones struck a military base used by the autonomous region's security forces,
    # blaming the attack on 'outlaws' funded by Baghdad. The attack on the base in Erbil
    # province was carried out on Saturday and caused some damage but no casualties, the
    # regional government said. ... There was no immediate claim for the attack."
    IncidentData(
        external_id=PESHMERGA_BASE_ID,
        occurred_on=SATURDAY,
        location=PESHMERGA_BASE,
        event_type="EXPLOSIONS_REMOTE_VIOLENCE",
        sub_event_type="AIR_DRONE_STRIKE",
        weapon="DRONE",
        projectile_count=2,
        outcome="STRUCK",
        claim_status="UNCLAIMED",
        killed=(0, 0, 0),
        injured=(0, 0, 0),
        damage="SOME",
        damage_description="Caused some damage, the regional government said.",
        summary=(
            "Two drones struck a military base used by the Kurdistan Region's security forces "
            "(Peshmerga) in Erbil province, causing some damage but no casualties."
        ),
        notes=(
            "The Kurdistan Regional Government blamed 'outlaws' it said are funded by the "
            "federal government in Baghdad. There was no immediate claim. Prime Minister "
            "Masrour Barzani condemned the attack; Iraqi Prime Minister Mohammed Shia "
            "al-Sudani ordered an investigation."
        ),
        tags=("drone", "peshmerga", "kurdistan-region", "krg-baghdad-tensions"),
        participants=(
            ParticipantData(
                OUTLAWS,
                "PERPETRATOR",
                "ALLEGED",
                "Blamed by the Kurdistan Regional Government on 'outlaws' funded by Baghdad.",
                attributed_by=KRG,
                statement="krg-base-attack",
            ),
            ParticipantData(
                PESHMERGA,
                "TARGET",
                "REPORTED",
                "The base is used by the region's security forces.",
                statement="krg-base-attack",
            ),
        ),
        source_note="Citing the Kurdistan Regional Government.",
    ),
)

# --- statements -----------------------------------------------------------------------

STATEMENTS: tuple[StatementData, ...] = (
    # "US defence systems shot down an armed drone over Ain Al Asad airbase ...,
    # government sources said. The attack on Monday, which the sources said did not cause
    # casualties or damage"
    StatementData(
        "ain-al-asad-interception",
        ARTICLE,
        "US defence systems shot down an armed drone over Ain Al Asad airbase, which hosts "
        "American, Iraqi and other international forces in western Iraq, on Monday; the "
        "attack did not cause casualties or damage.",
        speaker_name="Iraqi government sources",
        stated_on=MONDAY,
        incident=AIN_AL_ASAD_ID,
    ),
    StatementData(
        "erbil-airport-interception",
        ARTICLE,
        "A drone was shot down on Sunday over Erbil Airport in northern Iraq, where US and "
        "other international forces are stationed.",
        stated_on=PUBLISHED_ON,
        incident=ERBIL_AIRPORT_ID,
    ),
    # "It is one of scores of drones and rockets launched by Iran-backed militias in a
    # sharp escalation of attacks following Israel's war in Gaza"
    StatementData(
        "iran-backed-escalation",
        ARTICLE,
        "The attack is one of scores of drones and rockets launched by Iran-backed militias "
        "in a sharp escalation of attacks following Israel's war in Gaza.",
        stated_on=PUBLISHED_ON,
        incident=AIN_AL_ASAD_ID,
    ),
    StatementData(
        "gaza-death-toll",
        ARTICLE,
        "Israel's war in Gaza has killed more than 21,800 people.",
        stated_on=PUBLISHED_ON,
    ),
    # "The groups, which analysts say are front organisations for ..."
    StatementData(
        "analysts-front-organisations",
        ARTICLE,
        "The groups are front organisations for Iran-backed and Iraqi government-funded "
        "militias Asaib Ahl Al Haq, Harakat Al Nujaba and Kataib Hezbollah.",
        speaker_name="Analysts",
    ),
    StatementData(
        "iri-umbrella",
        ARTICLE,
        "The groups operate under an umbrella organisation called the Islamic Resistance in Iraq.",
        stated_on=PUBLISHED_ON,
    ),
    StatementData(
        "pmf-militias",
        ARTICLE,
        "Such groups are among around 50 government-funded militias in the Popular "
        "Mobilisation Forces.",
        stated_on=PUBLISHED_ON,
    ),
    # "Tensions between the militias and the US have risen again after US retaliatory air
    # strikes against the groups, part of a conflict that has simmered and occasionally
    # flared up since US forces withdrew the bulk of troops in 2011."
    StatementData(
        "us-retaliatory-strikes",
        ARTICLE,
        "Tensions between the militias and the US have risen again after US retaliatory air "
        "strikes against the groups.",
        stated_on=PUBLISHED_ON,
    ),
    StatementData(
        "us-withdrawal-2011",
        ARTICLE,
        "The conflict between the militias and the US has simmered and occasionally flared "
        "up since US forces withdrew the bulk of troops in 2011.",
        stated_on=PUBLISHED_ON,
    ),
    StatementData(
        "us-troops-in-iraq",
        ARTICLE,
        "About 2,500 US troops have been in Iraq, a holdover force from the 2014-2018 war "
        "against ISIS, who remain to train and advise the official Iraqi army.",
        stated_on=PUBLISHED_ON,
    ),
    # "Authorities in Iraqi Kurdistan meanwhile said on Sunday that two drones struck a
    # military base used by the autonomous region's security forces, blaming the attack on
    # 'outlaws' funded by Baghdad. The attack on the base in Erbil province was carried out
    # on Saturday and caused some damage but no casualties, the regional government said."
    StatementData(
        "krg-base-attack",
        ARTICLE,
        "Two drones struck a military base used by the autonomous region's security forces "
        "in Erbil province on Saturday, causing some damage but no casualties; the attack "
        "was carried out by 'outlaws' funded by Baghdad.",
        speaker_actor=KRG,
        speaker_name="Authorities in Iraqi Kurdistan",
        stated_on=SUNDAY,
        incident=PESHMERGA_BASE_ID,
    ),
    # "The regional government said these groups 'are funded by the federal government' in
    # Baghdad" (not dated in the article)
    StatementData(
        "krg-funded-by-baghdad",
        ARTICLE,
        "are funded by the federal government",
        speaker_actor=KRG,
        speaker_name="Kurdistan Regional Government",
        is_quote=True,
        incident=PESHMERGA_BASE_ID,
    ),
    StatementData(
        "peshmerga-coalition-allies",
        ARTICLE,
        "The region's Peshmerga forces are allies of the US-led anti-ISIS coalition that has "
        "several thousand international troops deployed in Iraq.",
        stated_on=PUBLISHED_ON,
    ),
    StatementData(
        "no-claim",
        ARTICLE,
        "There was no immediate claim for the attack on the Peshmerga base in Erbil province.",
        stated_on=PUBLISHED_ON,
        incident=PESHMERGA_BASE_ID,
    ),
    # "A tally by US military officials has counted 106 attacks against its troops in Iraq
    # and Syria since October 17."
    StatementData(
        "us-tally-106",
        ARTICLE,
        "106 attacks against US troops in Iraq and Syria since October 17, 2023.",
        speaker_actor=US_FORCES,
        speaker_name="US military officials",
    ),
    # "Masrour Barzani, Prime Minister of Iraqi Kurdistan said he was 'deeply alarmed' by
    # Saturday's drone attack."
    StatementData(
        "barzani-alarmed",
        ARTICLE,
        "He was 'deeply alarmed' by Saturday's drone attack.",
        speaker_actor=BARZANI,
        speaker_name=BARZANI,
        incident=PESHMERGA_BASE_ID,
    ),
    # "'I condemn the outlaws and their collaborators in the strongest terms possible,' he
    # said on X, formerly Twitter."
    StatementData(
        "barzani-condemns",
        ARTICLE,
        "I condemn the outlaws and their collaborators in the strongest terms possible",
        speaker_actor=BARZANI,
        speaker_name=BARZANI,
        channel="X (formerly Twitter)",
        is_quote=True,
        incident=PESHMERGA_BASE_ID,
    ),
    StatementData(
        "krg-strained-relations",
        ARTICLE,
        "The Kurdistan Regional Government has strained relations with the federal "
        "government in Baghdad.",
        stated_on=PUBLISHED_ON,
    ),
    StatementData(
        "sudani-pro-tehran",
        ARTICLE,
        "The government of Prime Minister Mohammed Shia Al Sudani is backed by pro-Tehran parties.",
        stated_on=PUBLISHED_ON,
    ),
    # "Mr Al Sudani's office said on Sunday he 'had ordered a thorough investigation into
    # this criminal (drone) attack', in co-ordination with the Iraqi Kurdish security
    # services."
    StatementData(
        "sudani-investigation",
        ARTICLE,
        "had ordered a thorough investigation into this criminal (drone) attack",
        speaker_actor=SUDANI,
        speaker_name="Office of Prime Minister Mohammed Shia al-Sudani",
        is_quote=True,
        stated_on=SUNDAY,
        incident=PESHMERGA_BASE_ID,
    ),
    StatementData(
        "sudani-investigation-coordination",
        ARTICLE,
        "The investigation is in co-ordination with the Iraqi Kurdish security services.",
        speaker_actor=SUDANI,
        speaker_name="Office of Prime Minister Mohammed Shia al-Sudani",
        stated_on=SUNDAY,
        incident=PESHMERGA_BASE_ID,
    ),
)


def demo_counts() -> dict[str, int]:
    """How many rows of each table the demo dataset consists of."""
    return {
        "source": len(SOURCES),
        "source_media": sum(len(s.media) for s in SOURCES),
        "actor": len(ACTORS),
        "actor_alias": sum(len(a.aliases) for a in ACTORS),
        "actor_relation": len(RELATIONS),
        "actor_relation_source": sum(len(r.sources) for r in RELATIONS),
        "location": len(LOCATIONS),
        "location_alias": sum(len(loc.aliases) for loc in LOCATIONS),
        "deployment": len(DEPLOYMENTS),
        "deployment_source": sum(len(d.sources) for d in DEPLOYMENTS),
        "incident": len(INCIDENTS),
        "incident_external_id": len(INCIDENTS),
        "incident_source": sum(len(i.sources) for i in INCIDENTS),
        "incident_participant": sum(len(i.participants) for i in INCIDENTS),
        "statement": len(STATEMENTS),
    }
