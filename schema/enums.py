"""The GraphQL enums. Values equal the strings stored in PostgreSQL."""

from __future__ import annotations

from enum import Enum

import strawberry

ev = strawberry.enum_value


def value(member: Enum) -> str:
    """The stored string of an enum member (typed: mypy sees ``enum_value`` definitions)."""
    return str(member.value)


@strawberry.enum(description="ACLED event type (ACLED codebook).")
class EventType(Enum):
    BATTLES = ev("BATTLES", description="Violent interactions between two organised armed groups.")
    EXPLOSIONS_REMOTE_VIOLENCE = ev(
        "EXPLOSIONS_REMOTE_VIOLENCE",
        description="One-sided violence by explosive or remote means (air/drone strikes, "
        "shelling, IEDs) where the victim cannot respond on the spot.",
    )
    VIOLENCE_AGAINST_CIVILIANS = ev(
        "VIOLENCE_AGAINST_CIVILIANS", description="Violence by an organised group on civilians."
    )
    PROTESTS = ev("PROTESTS", description="Public demonstrations that are not violent.")
    RIOTS = ev("RIOTS", description="Violent events by demonstrators or mobs.")
    STRATEGIC_DEVELOPMENTS = ev(
        "STRATEGIC_DEVELOPMENTS",
        description="Contextually important non-violent events, e.g. an intercepted drone.",
    )


@strawberry.enum(description="ACLED sub-event type; each belongs to exactly one EventType.")
class SubEventType(Enum):
    ARMED_CLASH = ev("ARMED_CLASH", description="Battles: armed clash.")
    GOVERNMENT_REGAINS_TERRITORY = ev(
        "GOVERNMENT_REGAINS_TERRITORY", description="Battles: government regains territory."
    )
    NON_STATE_ACTOR_OVERTAKES_TERRITORY = ev(
        "NON_STATE_ACTOR_OVERTAKES_TERRITORY",
        description="Battles: non-state actor overtakes territory.",
    )
    CHEMICAL_WEAPON = ev("CHEMICAL_WEAPON", description="Explosions: chemical weapon.")
    AIR_DRONE_STRIKE = ev("AIR_DRONE_STRIKE", description="Explosions: air or drone strike.")
    SUICIDE_BOMB = ev("SUICIDE_BOMB", description="Explosions: suicide bomb.")
    SHELLING_ARTILLERY_MISSILE_ATTACK = ev(
        "SHELLING_ARTILLERY_MISSILE_ATTACK",
        description="Explosions: shelling, artillery or missile attack.",
    )
    REMOTE_EXPLOSIVE_LANDMINE_IED = ev(
        "REMOTE_EXPLOSIVE_LANDMINE_IED", description="Explosions: remote explosive, landmine, IED."
    )
    GRENADE = ev("GRENADE", description="Explosions: grenade.")
    SEXUAL_VIOLENCE = ev("SEXUAL_VIOLENCE", description="Violence against civilians: sexual.")
    ATTACK = ev("ATTACK", description="Violence against civilians: attack.")
    ABDUCTION_FORCED_DISAPPEARANCE = ev(
        "ABDUCTION_FORCED_DISAPPEARANCE",
        description="Violence against civilians: abduction or forced disappearance.",
    )
    PEACEFUL_PROTEST = ev("PEACEFUL_PROTEST", description="Protests: peaceful.")
    PROTEST_WITH_INTERVENTION = ev(
        "PROTEST_WITH_INTERVENTION", description="Protests: with intervention."
    )
    EXCESSIVE_FORCE_AGAINST_PROTESTERS = ev(
        "EXCESSIVE_FORCE_AGAINST_PROTESTERS", description="Protests: excessive force against them."
    )
    VIOLENT_DEMONSTRATION = ev("VIOLENT_DEMONSTRATION", description="Riots: violent demonstration.")
    MOB_VIOLENCE = ev("MOB_VIOLENCE", description="Riots: mob violence.")
    AGREEMENT = ev("AGREEMENT", description="Strategic developments: agreement.")
    ARRESTS = ev("ARRESTS", description="Strategic developments: arrests.")
    CHANGE_TO_GROUP_ACTIVITY = ev(
        "CHANGE_TO_GROUP_ACTIVITY", description="Strategic developments: change to group/activity."
    )
    DISRUPTED_WEAPONS_USE = ev(
        "DISRUPTED_WEAPONS_USE",
        description="Strategic developments: disrupted weapons use (e.g. a drone shot down).",
    )
    HEADQUARTERS_OR_BASE_ESTABLISHED = ev(
        "HEADQUARTERS_OR_BASE_ESTABLISHED",
        description="Strategic developments: headquarters or base established.",
    )
    LOOTING_PROPERTY_DESTRUCTION = ev(
        "LOOTING_PROPERTY_DESTRUCTION",
        description="Strategic developments: looting or property destruction.",
    )
    NON_VIOLENT_TRANSFER_OF_TERRITORY = ev(
        "NON_VIOLENT_TRANSFER_OF_TERRITORY",
        description="Strategic developments: non-violent transfer of territory.",
    )
    OTHER = ev("OTHER", description="Strategic developments: other.")


@strawberry.enum(description="The weapon or means used.")
class Weapon(Enum):
    DRONE = ev("DRONE", description="Armed or one-way attack drone (UAV).")
    ROCKET = ev("ROCKET", description="Unguided rocket.")
    MISSILE = ev("MISSILE", description="Guided or ballistic missile.")
    ARTILLERY = ev("ARTILLERY", description="Artillery or mortar fire.")
    AIRSTRIKE = ev("AIRSTRIKE", description="Strike by crewed aircraft.")
    IED = ev("IED", description="Improvised explosive device.")
    SMALL_ARMS = ev("SMALL_ARMS", description="Small arms and light weapons.")
    OTHER = ev("OTHER", description="Another means, described in the notes.")
    UNKNOWN = ev("UNKNOWN", description="Not reported.")


@strawberry.enum(description="How an attack ended.")
class Outcome(Enum):
    INTERCEPTED = ev("INTERCEPTED", description="Shot down or otherwise stopped before impact.")
    STRUCK = ev("STRUCK", description="Hit the target.")
    MISSED = ev("MISSED", description="Landed but missed the target.")
    FAILED = ev("FAILED", description="Malfunctioned or was aborted.")
    UNKNOWN = ev("UNKNOWN", description="Not reported.")


@strawberry.enum(description="Whether anyone claimed responsibility.")
class ClaimStatus(Enum):
    CLAIMED = ev(
        "CLAIMED", description="At least one actor claimed it (see CLAIMANT participants)."
    )
    UNCLAIMED = ev("UNCLAIMED", description="Reported as not claimed.")
    UNKNOWN = ev("UNKNOWN", description="The sources do not say.")


@strawberry.enum(description="How precisely the date is known (ACLED time_precision).")
class TimePrecision(Enum):
    DAY = ev("DAY", description="The exact day is known.")
    WEEK = ev("WEEK", description="Known to within a week: dateEarliest..dateLatest.")
    MONTH = ev("MONTH", description="Known to within a month: dateEarliest..dateLatest.")
    YEAR = ev("YEAR", description="Known to within a year: dateEarliest..dateLatest.")


@strawberry.enum(description="How a list or an aggregate treats records linked as one event.")
class Duplicates(Enum):
    COLLAPSE = ev(
        "COLLAPSE",
        description="One record per event: the first of its records you may see (the "
        "canonical one unless hidden from you). The default.",
    )
    INCLUDE = ev("INCLUDE", description="Every dataset's record of the event.")


@strawberry.enum(description="Degree of material damage.")
class Damage(Enum):
    NONE = ev("NONE", description="No damage reported.")
    SOME = ev("SOME", description="Some damage.")
    SEVERE = ev("SEVERE", description="Severe damage.")
    DESTROYED = ev("DESTROYED", description="Target destroyed.")
    UNKNOWN = ev("UNKNOWN", description="Not reported.")


@strawberry.enum(description="The part an actor played in an incident.")
class ParticipantRole(Enum):
    PERPETRATOR = ev("PERPETRATOR", description="Carried out the attack.")
    TARGET = ev("TARGET", description="Was attacked.")
    INTERCEPTOR = ev("INTERCEPTOR", description="Stopped the attack (e.g. air defence).")
    CLAIMANT = ev("CLAIMANT", description="Claimed responsibility.")
    VICTIM = ev("VICTIM", description="Suffered harm without being the intended target.")
    RESPONDER = ev("RESPONDER", description="Responded afterwards (investigation, retaliation).")
    OTHER = ev("OTHER", description="Another role, described in the note.")
    PARTICIPANT = ev(
        "PARTICIPANT", description="Took part in a protest or riot (ACLED protesters, rioters)."
    )
    SIDE_A = ev(
        "SIDE_A",
        description="One side of a fight whose datasets do not say who attacked (UCDP side_a, "
        "ACLED battles' actor1).",
    )
    SIDE_B = ev("SIDE_B", description="The other side of such a fight (UCDP side_b).")


@strawberry.enum(description="On what basis a participation or relation is stated.")
class Basis(Enum):
    CLAIMED = ev("CLAIMED", description="The actor itself says so.")
    ATTRIBUTED = ev("ATTRIBUTED", description="Attributed by a credible third party.")
    ALLEGED = ev("ALLEGED", description="Alleged by a party with a stake (e.g. a government).")
    CONFIRMED = ev("CONFIRMED", description="Independently confirmed.")
    REPORTED = ev("REPORTED", description="Reported by the source as fact, without attribution.")


@strawberry.enum(description="What kind of actor.")
class ActorKind(Enum):
    STATE = ev("STATE", description="A sovereign state as a whole.")
    STATE_FORCES = ev("STATE_FORCES", description="Military or police of a state.")
    POLITICAL_GOVERNMENT = ev("POLITICAL_GOVERNMENT", description="A national government.")
    REGIONAL_GOVERNMENT = ev(
        "REGIONAL_GOVERNMENT", description="A regional or autonomous government."
    )
    MILITIA = ev("MILITIA", description="A militia, including state-sanctioned ones.")
    REBEL_GROUP = ev("REBEL_GROUP", description="A rebel or insurgent group.")
    UMBRELLA_GROUP = ev("UMBRELLA_GROUP", description="A name under which several groups act.")
    COALITION = ev("COALITION", description="A coalition of states or forces.")
    POLITICAL_PARTY = ev("POLITICAL_PARTY", description="A political party or bloc.")
    UNIDENTIFIED_ARMED_GROUP = ev(
        "UNIDENTIFIED_ARMED_GROUP", description="An armed group the sources do not name."
    )
    CIVILIANS = ev("CIVILIANS", description="Civilians.")
    PERSON = ev("PERSON", description="An individual (leader, spokesperson).")
    ORGANIZATION = ev("ORGANIZATION", description="Another organisation.")
    OTHER = ev("OTHER", description="Anything else.")


@strawberry.enum(description="How one actor relates to another (subject → object).")
class RelationKind(Enum):
    MEMBER_OF = ev("MEMBER_OF", description="Subject is a member of the object.")
    PART_OF = ev("PART_OF", description="Subject is a unit or component of the object.")
    FRONT_FOR = ev("FRONT_FOR", description="Subject is a front (cover name) for the object.")
    FUNDED_BY = ev("FUNDED_BY", description="Subject is funded by the object.")
    BACKED_BY = ev("BACKED_BY", description="Subject is politically or militarily backed by it.")
    ALLIED_WITH = ev("ALLIED_WITH", description="Subject is allied with the object.")
    LED_BY = ev("LED_BY", description="Subject is led by the object (a person or a state).")
    ADVISES = ev("ADVISES", description="Subject trains or advises the object.")
    OPPOSES = ev("OPPOSES", description="Subject is hostile to or fights the object.")
    OTHER = ev("OTHER", description="Another relation, described in the note.")


@strawberry.enum(description="What kind of place.")
class LocationKind(Enum):
    COUNTRY = ev("COUNTRY", description="A country.")
    ADMIN1 = ev("ADMIN1", description="First-level division (governorate, province, region).")
    ADMIN2 = ev("ADMIN2", description="Second-level division (district).")
    CITY = ev("CITY", description="A city.")
    TOWN = ev("TOWN", description="A town.")
    VILLAGE = ev("VILLAGE", description="A village.")
    NEIGHBOURHOOD = ev("NEIGHBOURHOOD", description="A part of a city.")
    AIRBASE = ev("AIRBASE", description="A military air base.")
    MILITARY_BASE = ev("MILITARY_BASE", description="A military base or camp.")
    AIRPORT = ev("AIRPORT", description="A civil or dual-use airport.")
    PORT = ev("PORT", description="A sea or river port.")
    BORDER_CROSSING = ev("BORDER_CROSSING", description="A border crossing.")
    FACILITY = ev("FACILITY", description="Another facility (plant, embassy, depot).")
    SEA = ev("SEA", description="A sea area.")
    OTHER = ev("OTHER", description="Anything else.")


@strawberry.enum(description="How precise a location's coordinates are (cf. ACLED geo_precision).")
class GeoPrecision(Enum):
    EXACT = ev("EXACT", description="The coordinates are of the place itself.")
    NEAR = ev("NEAR", description="Near the place, or of the nearest town (ACLED 2).")
    ADMIN2 = ev("ADMIN2", description="Only the district is known; its centroid is used.")
    ADMIN1 = ev("ADMIN1", description="Only the province is known; its centroid (ACLED 3).")
    COUNTRY = ev("COUNTRY", description="Only the country is known.")
    UNKNOWN = ev("UNKNOWN", description="Precision not stated.")


@strawberry.enum(description="What kind of source.")
class SourceKind(Enum):
    NEWS_ARTICLE = ev("NEWS_ARTICLE", description="A news report.")
    OFFICIAL_STATEMENT = ev("OFFICIAL_STATEMENT", description="A statement by an official body.")
    PRESS_RELEASE = ev("PRESS_RELEASE", description="A press release.")
    SOCIAL_MEDIA_POST = ev("SOCIAL_MEDIA_POST", description="A post on social media.")
    REPORT = ev("REPORT", description="A report by an NGO, think tank or agency.")
    DATASET = ev("DATASET", description="A dataset (ACLED, UCDP, …).")
    OTHER = ev("OTHER", description="Anything else.")


@strawberry.enum(description="Media attached to a source.")
class MediaKind(Enum):
    PHOTO = ev("PHOTO", description="A photograph.")
    VIDEO = ev("VIDEO", description="A video.")
    AUDIO = ev("AUDIO", description="An audio recording.")
    DOCUMENT = ev("DOCUMENT", description="A document.")


@strawberry.enum(description="Publication state of a record.")
class RecordStatus(Enum):
    DRAFT = ev("DRAFT", description="Being edited; visible to editors only.")
    PUBLISHED = ev("PUBLISHED", description="Public.")
    RETRACTED = ev("RETRACTED", description="Withdrawn; kept for history.")


@strawberry.enum(description="Sort direction.")
class Direction(Enum):
    ASC = ev("ASC", description="Smallest (earliest) first.")
    DESC = ev("DESC", description="Largest (latest) first.")


@strawberry.enum(description="How a date range matches an incident whose date is imprecise.")
class DateMatch(Enum):
    WITHIN = ev(
        "WITHIN",
        description="The incident certainly happened in the range: its whole possible "
        "date range (dateEarliest..dateLatest) lies inside. The default.",
    )
    OVERLAPS = ev(
        "OVERLAPS", description="The incident may have happened in the range: the ranges overlap."
    )
