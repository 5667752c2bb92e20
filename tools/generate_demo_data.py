"""Generates the demo data sets that keras-bert ships for `keras-bert demo`.

Writes, into the package's data folder `keras_bert/data` (or `--out DIR`):

* `demo_corpus.txt`: a pretraining corpus in the google-research/bert layout (one sentence
  per line, a blank line between documents). Each document is an encyclopedia-style
  article, a recipe, a story or a how-to note about fictional towns, rivers, inventors,
  machines, clubs, restaurants and films. A document keeps to its own entities, so that
  next-sentence prediction is learnable.
* `demo_reviews_train.tsv` and `demo_reviews_dev.tsv`: short restaurant, film, product and
  travel reviews with a sentiment label (1 positive, 0 negative), in the GLUE SST-2 layout
  (header `sentence<TAB>label`). They include negation ("not bad at all") and mixed cases.

Everything is produced by the small template grammar below from one seeded
`random.Random`, with the standard library only, so the output is byte-identical on every
run and every Python from 3.10. All text is original, written for this project.

Template syntax, expanded by `Grammar.expand`:
  `[a|b|c]`   one alternative, chosen at random (brackets may nest);
  `<word>`    a random entry of the word list `LEXICON["word"]`;
  `<n:LO:HI>` a random integer in [LO, HI];
  `{key}`     the current document's entity `key` (fixed for the whole document).

Usage: python tools/generate_demo_data.py [--out DIR]
"""

import argparse
import os
import random
import re

SEED = 20240611
CORPUS_TARGET_BYTES = 400_000
TRAIN_REVIEWS_PER_LABEL = 600
DEV_REVIEWS_PER_LABEL = 150

CORPUS_FILE = "demo_corpus.txt"
TRAIN_FILE = "demo_reviews_train.tsv"
DEV_FILE = "demo_reviews_dev.tsv"
# The folder the package ships its data from; the generator itself is not installed.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA_DIR = os.path.join(ROOT, "keras_bert", "data")

# ---------------------------------------------------------------------------------------
# Word lists.
# ---------------------------------------------------------------------------------------

# Sentiment words. General words fit anything; the others fit one kind of aspect. The
# "rare" general words appear often in the corpus, in the same contexts as the common ones,
# but seldom in the training reviews: pretraining is what can teach a model that
# "splendid" behaves like "excellent".
POSITIVE_COMMON = [
    "good",
    "great",
    "excellent",
    "wonderful",
    "lovely",
    "fantastic",
    "pleasant",
    "brilliant",
    "perfect",
    "impressive",
    "enjoyable",
    "nice",
]
POSITIVE_RARE = [
    "superb",
    "splendid",
    "delightful",
    "marvellous",
    "terrific",
    "outstanding",
    "flawless",
    "exceptional",
    "sublime",
]
NEGATIVE_COMMON = [
    "bad",
    "poor",
    "awful",
    "terrible",
    "disappointing",
    "horrible",
    "unpleasant",
    "weak",
]
NEGATIVE_RARE = [
    "dreadful",
    "mediocre",
    "dismal",
    "lousy",
    "abysmal",
    "appalling",
    "miserable",
    "atrocious",
    "pitiful",
]
# Aspect kind -> (positive words, negative words).
ASPECT_WORDS = {
    "food": (
        ["delicious", "fresh", "tasty", "rich", "warming"],
        ["bland", "stale", "greasy", "cold", "salty", "soggy"],
    ),
    "people": (
        ["friendly", "helpful", "kind", "attentive", "cheerful"],
        ["rude", "slow", "careless", "unfriendly", "grumpy"],
    ),
    "place": (
        ["comfortable", "charming", "beautiful", "clean", "quiet", "cosy"],
        ["cramped", "dirty", "noisy", "shabby", "gloomy"],
    ),
    "film": (
        ["moving", "funny", "clever", "gripping", "original"],
        ["boring", "dull", "confusing", "predictable", "clumsy", "tedious"],
    ),
    "machine": (
        ["sturdy", "reliable", "solid", "quiet", "elegant"],
        ["flimsy", "broken", "noisy", "fragile", "loose"],
    ),
    "general": ([], []),
}

LEXICON = {
    "pos": POSITIVE_COMMON + POSITIVE_RARE,
    "neg": NEGATIVE_COMMON + NEGATIVE_RARE,
    **{f"pos_{kind}": pos for kind, (pos, _) in ASPECT_WORDS.items() if pos},
    **{f"neg_{kind}": neg for kind, (_, neg) in ASPECT_WORDS.items() if neg},
    "very": [
        "very",
        "really",
        "truly",
        "remarkably",
        "quite",
        "extremely",
        "genuinely",
        "surprisingly",
        "incredibly",
        "rather",
    ],
    "first_f": [
        "Ada",
        "Marta",
        "Elena",
        "Greta",
        "Ingrid",
        "Lucia",
        "Nora",
        "Rosa",
        "Sofia",
        "Tilda",
        "Vera",
        "Zoë",
        "Inés",
        "Hanna",
        "Mira",
        "Olga",
        "Clara",
        "Beatriz",
        "Lena",
        "Agnes",
        "Maud",
        "Edith",
        "Noémie",
        "Ilse",
    ],
    "first_m": [
        "Anton",
        "Bruno",
        "Carl",
        "Emil",
        "Felix",
        "Hugo",
        "Ivan",
        "Jonas",
        "Karl",
        "Leon",
        "Matteo",
        "Oskar",
        "Pablo",
        "René",
        "Tomas",
        "Viktor",
        "Walter",
        "Aurelio",
        "Gustav",
        "Henrik",
        "Otto",
        "Dmitri",
        "Joël",
        "Rafael",
    ],
    "material": [
        "oak",
        "brass",
        "copper",
        "iron",
        "steel",
        "walnut",
        "pine",
        "glass",
        "clay",
        "tin",
        "bronze",
        "slate",
    ],
    "colour": [
        "red",
        "blue",
        "green",
        "yellow",
        "white",
        "black",
        "orange",
        "purple",
        "grey",
        "gold",
    ],
    "crop": [
        "barley",
        "wheat",
        "apples",
        "pears",
        "potatoes",
        "cabbages",
        "hops",
        "rye",
        "plums",
        "onions",
        "flax",
        "cherries",
    ],
    "industry": [
        "wool",
        "pottery",
        "clockmaking",
        "shipbuilding",
        "brewing",
        "paper",
        "glassmaking",
        "cheese",
        "salt",
        "timber",
        "printing",
        "rope",
        "leather",
    ],
    "landmark": [
        "stone bridge",
        "clock tower",
        "old mill",
        "market hall",
        "lighthouse",
        "public library",
        "railway station",
        "covered market",
        "chapel",
        "town hall",
        "water tower",
        "botanical garden",
        "museum of machines",
        "open-air theatre",
        "harbour wall",
        "observatory",
    ],
    "weather": ["mild", "wet", "windy", "cold", "dry", "foggy", "sunny", "changeable"],
    "season": ["spring", "summer", "autumn", "winter"],
    "month": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "fish": ["trout", "salmon", "perch", "pike", "eels", "carp", "grayling", "bream"],
    "bird": ["herons", "kingfishers", "swans", "ducks", "geese", "cormorants", "egrets"],
    "tree": ["willows", "alders", "poplars", "oaks", "birches", "ash trees", "beeches"],
    "food": [
        "soup",
        "stew",
        "bread",
        "pie",
        "noodles",
        "dumplings",
        "curry",
        "salad",
        "fish",
        "lamb",
        "pastries",
        "cake",
        "risotto",
        "pancakes",
        "omelette",
        "crème brûlée",
        "roast chicken",
        "mushroom tart",
        "lentil soup",
        "flatbread",
        "apple crumble",
        "fish stew",
        "goulash",
        "pasta",
    ],
    "ingredient": [
        "onions",
        "garlic",
        "butter",
        "flour",
        "eggs",
        "milk",
        "carrots",
        "leeks",
        "potatoes",
        "lentils",
        "tomatoes",
        "cream",
        "cheese",
        "honey",
        "lemons",
        "parsley",
        "thyme",
        "mushrooms",
        "rice",
        "beans",
        "salt",
        "pepper",
        "sugar",
        "apples",
        "olive oil",
        "stock",
        "paprika",
        "cumin",
        "jalapeños",
    ],
    "cook_verb": ["chop", "slice", "dice", "grate", "peel", "crush", "wash", "soak"],
    "machine": [
        "loom",
        "pump",
        "printing press",
        "clock",
        "steam engine",
        "kettle",
        "sewing machine",
        "bicycle",
        "coffee grinder",
        "radio",
        "typewriter",
        "lamp",
        "water wheel",
        "windmill",
        "calculating machine",
        "telescope",
        "camera",
        "fan",
        "washing machine",
        "music box",
    ],
    "part": [
        "gear",
        "spring",
        "lever",
        "valve",
        "piston",
        "belt",
        "shaft",
        "wheel",
        "handle",
        "switch",
        "dial",
        "crank",
        "chain",
        "motor",
        "battery",
        "lens",
        "bearing",
        "pulley",
    ],
    "sport": [
        "football",
        "rowing",
        "cycling",
        "cricket",
        "hockey",
        "basketball",
        "rugby",
        "handball",
        "volleyball",
    ],
    "genre": [
        "comedy",
        "drama",
        "thriller",
        "musical",
        "mystery",
        "western",
        "romance",
        "adventure film",
        "documentary",
        "ghost story",
    ],
    "job": [
        "baker",
        "teacher",
        "sailor",
        "miller",
        "nurse",
        "clockmaker",
        "fisherman",
        "carpenter",
        "lighthouse keeper",
        "postman",
        "printer",
        "gardener",
        "engineer",
        "painter",
        "librarian",
        "shopkeeper",
    ],
    "object": [
        "letter",
        "key",
        "map",
        "lantern",
        "violin",
        "notebook",
        "photograph",
        "compass",
        "ring",
        "umbrella",
        "suitcase",
        "painting",
        "watch",
        "box",
    ],
    "feeling": [
        "tired",
        "worried",
        "curious",
        "happy",
        "nervous",
        "lonely",
        "hopeful",
        "proud",
        "restless",
        "afraid",
        "cheerful",
        "angry",
    ],
    "tool": [
        "screwdriver",
        "spanner",
        "pair of pliers",
        "small brush",
        "clean cloth",
        "torch",
        "magnifying glass",
        "oil can",
    ],
    "plant": [
        "tomatoes",
        "beans",
        "lettuce",
        "peas",
        "strawberries",
        "herbs",
        "roses",
        "sunflowers",
        "potatoes",
        "courgettes",
        "carrots",
    ],
    "number_word": [
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "twelve",
    ],
}

TOWN_STARTS = [
    "Ash",
    "Bram",
    "Coll",
    "Dun",
    "Ell",
    "Fen",
    "Gar",
    "Hol",
    "Kes",
    "Lin",
    "Mar",
    "Nor",
    "Oak",
    "Pen",
    "Quar",
    "Ros",
    "Sel",
    "Tam",
    "Ul",
    "Ver",
    "Wend",
    "Yar",
    "Cal",
    "Bel",
    "Har",
    "Mor",
    "Stan",
    "Thorn",
    "Wil",
    "Brack",
]
TOWN_ENDS = [
    "ford",
    "wick",
    "by",
    "ton",
    "mere",
    "stead",
    "brook",
    "haven",
    "holm",
    "dale",
    "field",
    "bridge",
    "combe",
    "thorpe",
    "ley",
    "minster",
    "port",
    "moor",
    "well",
    "gate",
]
SYLLABLE_ONSETS = [
    "b",
    "br",
    "c",
    "d",
    "dr",
    "f",
    "g",
    "h",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "st",
    "t",
    "tr",
    "v",
    "w",
    "z",
]
SYLLABLE_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "ie"]
SYLLABLE_CODAS = ["", "", "n", "r", "l", "s", "m", "nd", "rk", "st", "ll", "th"]
CLUB_ANIMALS = [
    "Hawks",
    "Otters",
    "Foxes",
    "Rovers",
    "Wanderers",
    "Stags",
    "Millers",
    "Herons",
    "Bears",
    "Ravens",
    "Badgers",
    "Swifts",
]
RESTAURANT_NAMES = [
    "The Copper Kettle",
    "The Blue Door",
    "Café Lumière",
    "The Old Mill",
    "The Salt House",
    "The Green Lantern",
    "Bistro Rosé",
    "The Hungry Heron",
    "The Crooked Spoon",
    "Casa Verde",
    "The Golden Pear",
    "The Red Barn",
    "The Quiet Harbour",
    "Café Olé",
    "The Iron Pot",
    "The Orchard Table",
]
FILM_WORDS = [
    "Winter",
    "Harbour",
    "Lantern",
    "River",
    "Silent",
    "Last",
    "Paper",
    "Glass",
    "Northern",
    "Summer",
    "Broken",
    "Hidden",
    "Long",
    "Iron",
    "Velvet",
    "Distant",
    "Empty",
    "Golden",
    "Midnight",
    "Wandering",
]
FILM_NOUNS = [
    "Road",
    "Garden",
    "Letters",
    "Station",
    "Orchard",
    "Clockmaker",
    "Crossing",
    "Light",
    "Island",
    "Kingdom",
    "Sister",
    "Promise",
    "Tide",
    "Bridge",
    "Song",
    "Machine",
    "Voyage",
    "Window",
]


class Grammar:
    """Expands templates (syntax in the module docstring) with one seeded generator."""

    _ALTERNATIVES = re.compile(r"\[([^\[\]]*)\]")
    _NUMBER = re.compile(r"<n:(\d+):(\d+)>")
    _WORD = re.compile(r"<([a-z_0-9]+)>")
    _ENTITY = re.compile(r"\{([a-zA-Z_0-9]+)\}")
    _ARTICLE = re.compile(r"\b([Aa]) (?=[aeiouAEIOU])(?!one\b|use|uni|euro)")

    def __init__(self, rng):
        self.rng = rng

    def choice(self, items):
        return items[self.rng.randrange(len(items))]

    def expand(self, template, entities=None, words=None):
        """Expands `template`; `words` adds word lists to (or overrides) `LEXICON`."""
        entities = entities or {}
        lexicon = {**LEXICON, **(words or {})}
        text = template
        while "[" in text:
            text = self._ALTERNATIVES.sub(
                lambda m: self.choice(m.group(1).split("|")), text, count=1
            )
        text = self._NUMBER.sub(
            lambda m: str(self.rng.randint(int(m.group(1)), int(m.group(2)))), text
        )
        text = self._WORD.sub(lambda m: self.choice(lexicon[m.group(1)]), text)
        text = self._ENTITY.sub(lambda m: entities[m.group(1)], text)
        text = self._ARTICLE.sub(lambda m: m.group(1) + "n ", text)
        text = re.sub(r"\s+", " ", text).strip()
        return text[0].upper() + text[1:]

    def sentences(self, templates, entities, low, high):
        """Expands `low..high` templates drawn in order from `templates` (no repeats)."""
        count = min(len(templates), self.rng.randint(low, high))
        picked = sorted(self.rng.sample(range(len(templates)), count))
        return [self.expand(templates[i], entities) for i in picked]

    def name(self, syllables):
        parts = [
            self.choice(SYLLABLE_ONSETS)
            + self.choice(SYLLABLE_VOWELS)
            + self.choice(SYLLABLE_CODAS)
            for _ in range(syllables)
        ]
        return "".join(parts).capitalize()

    def town(self):
        return self.choice(TOWN_STARTS) + self.choice(TOWN_ENDS)

    def person(self):
        female = self.rng.random() < 0.5
        first = self.choice(LEXICON["first_f"] if female else LEXICON["first_m"])
        surname = self.name(2)
        pronouns = ("she", "her", "her", "herself") if female else ("he", "him", "his", "himself")
        return {
            "first": first,
            "surname": surname,
            "full": f"{first} {surname}",
            "he": pronouns[0],
            "He": pronouns[0].capitalize(),
            "him": pronouns[1],
            "his": pronouns[2],
            "His": pronouns[2].capitalize(),
            "himself": pronouns[3],
        }


# ---------------------------------------------------------------------------------------
# Corpus documents. Each function returns the sentences of one document.
# ---------------------------------------------------------------------------------------


def town_article(g):
    e = {
        "town": g.town(),
        "river": g.name(2),
        "region": g.name(2)
        + [" Valley", "shire", " Hills", " Plain", " Coast"][g.rng.randrange(5)],
        "industry": g.choice(LEXICON["industry"]),
        "crop": g.choice(LEXICON["crop"]),
        "landmark": g.choice(LEXICON["landmark"]),
        "landmark2": g.choice(LEXICON["landmark"]),
        "pop": f"{g.rng.randint(2, 95):d},{g.rng.randint(0, 999):03d}",
        "year": str(g.rng.randint(1100, 1790)),
        "club": "",
        "cafe": g.choice(RESTAURANT_NAMES),
        "weather": g.choice(LEXICON["weather"]),
    }
    e["club"] = f"{e['town']} {g.choice(CLUB_ANIMALS)}"
    intro = [
        "{town} is a [market town|small town|harbour town|former mill town|village] in the "
        "{region}, on the [east|west|north|south] bank of the river {river}.",
        "[According to the last census|At the last count], {town} had a population of {pop}.",
    ]
    history = [
        "The town was first recorded in {year}, when [a charter|a royal letter|a monastery "
        "ledger] mentioned a [ferry|market|mill|bridge] at the site.",
        "[For centuries|During the Middle Ages|Until the railway arrived], its wealth came "
        "from {industry} and from the {crop} grown on the surrounding farms.",
        "A [great fire|severe flood|long plague|bitter winter] in <n:1600:1880> destroyed "
        "[much of the old centre|half of the houses|the wooden bridge|the harbour].",
        "The {landmark} was built [soon afterwards|in the following decade|by public "
        "subscription] and still stands today.",
        "Its [façade|clock|roof] was restored in <n:1950:2020> after [years of neglect|a "
        "storm|a public appeal].",
        "In the nineteenth century the railway reached {town}, and the {industry} trade "
        "[grew quickly|declined slowly|moved to larger cities].",
        "[Several|A few|Many] families left for the cities after the [war|depression|"
        "closure of the mills], and the population fell to about <n:900:4000>.",
    ]
    today = [
        "Today {town} is known for its {landmark} and its {landmark2}.",
        "The climate is {weather}, and [snow is rare|summers are short|the river often "
        "floods in <season>|fog gathers in the valley each <season>].",
        "The weekly market is held on <day> [mornings|afternoons] in the main square.",
        "{cafe}, a [small|busy|family-run|popular] restaurant near the {landmark}, serves "
        "[a|the town's famous] <food> that visitors describe as [<pos>|<pos_food>].",
        "[Critics|Visitors|Guidebooks] praise the {landmark2} as <pos>, although some find "
        "the [streets|squares|harbour] [<neg>|<neg_place>].",
        "The local football club, {club}, plays its home games [beside the river|near the "
        "station|on the old common].",
        "A festival of {industry} takes place every <month>, with music, [stalls|parades|"
        "boat races] and [fireworks|a procession|a fair].",
        "The town is twinned with {town2}, a [port|village|city] <n:40:900> kilometres away.",
        "The {river} is crossed by <number_word> bridges within the town boundary.",
        "Most residents now work in [services|tourism|the nearby city|small workshops], "
        "though {crop} are still grown on the [hills|plain|terraces] to the [north|south].",
    ]
    e["town2"] = g.town()
    return g.sentences(intro, e, 1, 2) + g.sentences(history, e, 2, 5) + g.sentences(today, e, 3, 8)


def river_article(g):
    e = {
        "river": g.name(2),
        "mountains": g.name(2) + " Mountains",
        "sea": g.name(2) + " Sea",
        "town": g.town(),
        "town2": g.town(),
        "length": str(g.rng.randint(40, 780)),
        "fish": g.choice(LEXICON["fish"]),
        "bird": g.choice(LEXICON["bird"]),
        "tree": g.choice(LEXICON["tree"]),
        "tributary": g.name(2),
    }
    templates = [
        "The {river} is a river [in the north of|in the south of|that crosses] the "
        "[country|province|old kingdom], about {length} kilometres long.",
        "It rises in the {mountains} at a height of <n:600:2400> metres and flows "
        "[east|west|north|south] into the {sea}.",
        "Its main tributary, the {tributary}, joins it [just above|below|near] {town}.",
        "The towns of {town} and {town2} grew up at [crossing points|fords|old bridges] on "
        "the {river}.",
        "In the upper valley the water is [fast and cold|clear and shallow|narrow and "
        "rocky], and {fish} are common.",
        "[Further down|In its lower course], the {river} [widens|slows|winds] through "
        "[meadows|marshes|farmland] lined with {tree}.",
        "{bird} nest along the banks, and the marshes near the mouth are a [nature reserve|"
        "protected area|bird sanctuary].",
        "The {river} [flooded|burst its banks] in <n:1700:1990>, [drowning fields|damaging "
        "the bridge at {town}|destroying several mills].",
        "After the flood, [stone walls|earth banks|locks and weirs] were built to control "
        "the water.",
        "Barges once carried {cargo} down the {river} to the {sea}.",
        "Today the river is used for [rowing|fishing|canoeing|swimming in summer], and a "
        "footpath follows it for <n:20:200> kilometres.",
        "Anglers say the {fish} in the {river} are [large|plentiful|hard to catch].",
        "The water quality [improved|was poor|has recovered] since the {industry} works "
        "[closed|moved away|installed filters].",
        "[Poets|Painters|Songwriters] from {town} have often described the {river} in <season>.",
    ]
    e["cargo"] = g.choice(LEXICON["crop"])
    e["industry"] = g.choice(LEXICON["industry"])
    return g.sentences(templates[:2], e, 2, 2) + g.sentences(templates[2:], e, 4, 11)


def inventor_biography(g):
    p = g.person()
    e = dict(p)
    e.update(
        {
            "town": g.town(),
            "born": str(g.rng.randint(1780, 1930)),
            "machine": g.choice(LEXICON["machine"]),
            "part": g.choice(LEXICON["part"]),
            "material": g.choice(LEXICON["material"]),
            "job": g.choice(LEXICON["job"]),
            "partner": g.person()["full"],
        }
    )
    e["died"] = str(int(e["born"]) + g.rng.randint(38, 94))
    templates = [
        "{full} ({born}–{died}) was an inventor [and engineer|and clockmaker|and teacher|] "
        "from {town}, best known for [an improved|a cheaper|a folding|an electric] "
        "{machine}.",
        "{He} was the [eldest|youngest|second] of <number_word> children of a {job}.",
        "As a child {he} [took apart clocks|built model boats|repaired bicycles|drew "
        "machines in {his} notebook] [in {his} father's workshop|in the kitchen|at school].",
        "At <n:14:19> {he} became an apprentice to a [clockmaker|blacksmith|printer|"
        "carpenter] in {town}.",
        "{He} [later studied|went on to study] [mechanics|physics|mathematics|drawing] at "
        "the [technical school|university|night school] in the capital.",
        "In {year1} {he} opened a small workshop [near the harbour|above a bakery|behind the "
        "station|on the market square].",
        "There {he} designed a {machine} with a {material} {part} that [never wore out|ran "
        "more quietly|cost half as much|was easy to repair].",
        "The first model was [slow|heavy|unreliable|noisy], but {he} kept improving it.",
        "{His} {machine} was patented in {year2} and [sold well|won a medal|was praised] "
        "at [a fair in the capital|the great exhibition|an international show].",
        "With {partner}, {he} founded a company that [employed|grew to] <n:12:900> "
        "[workers|people].",
        "Reviewers called the {machine} <pos>, although a few found the {part} "
        "[<neg>|<neg_machine>].",
        "{He} also wrote [a book|a short guide|several articles] on [gears|springs|the care "
        "of machines|patents].",
        "Late in life {he} [returned to {town}|taught young engineers|gave {his} notes to "
        "the museum].",
        "{full} died in {town} in {died}.",
        "A street [in {town}|near the station] is named after {him}, and one of {his} "
        "machines is on display in the [town museum|museum of machines].",
    ]
    e["year1"] = str(int(e["born"]) + g.rng.randint(20, 30))
    e["year2"] = str(int(e["year1"]) + g.rng.randint(2, 9))
    return [g.expand(templates[0], e)] + g.sentences(templates[1:], e, 6, 14)


def recipe(g):
    food = g.choice(LEXICON["food"])
    ingredients = g.rng.sample(LEXICON["ingredient"], 5)
    e = {
        "food": food,
        "town": g.town(),
        "a": ingredients[0],
        "b": ingredients[1],
        "c": ingredients[2],
        "d": ingredients[3],
        "e": ingredients[4],
        "minutes": str(g.rng.choice([10, 15, 20, 25, 30, 40, 45, 60, 90])),
        "people": g.choice(LEXICON["number_word"][:5]),
    }
    intro = [
        "This [simple|traditional|quick|hearty] {food} comes from {town}, where it is "
        "[eaten on market days|served at weddings|made every <season>|a family favourite].",
        "It serves {people} people and takes about {minutes} minutes.",
        "You will need {a}, {b}, {c}, {d} and a little {e}.",
    ]
    steps = [
        "First, <cook_verb> the {a} and set [it|them] aside.",
        "[Warm|Heat] a [large|heavy|wide] pan over [a low|a medium|a gentle] heat and add "
        "[a spoon of butter|some oil|a splash of water].",
        "[Add|Stir in] the {b} and cook [slowly|gently|for <n:3:12> minutes] until "
        "[soft|golden|fragrant].",
        "Then add the {a} and the {c}, and stir [well|often|from time to time].",
        "[Pour in|Add] [a cup of|two cups of|half a litre of] [water|stock|milk] and bring "
        "it to the boil.",
        "Lower the heat and let it [simmer|cook] for {minutes} minutes.",
        "[Season|Taste and season] with salt and pepper, then add the {d}.",
        "If it becomes too thick, add [a little more|a splash of] water.",
        "[Serve|Serve it] [hot|warm|at once] with [bread|rice|a green salad|boiled potatoes].",
        "[Leftovers|Any leftovers] keep for <n:2:4> days in a cool place.",
    ]
    notes = [
        "Cooks in {town} say the secret is [patience|fresh {b}|a very low heat|good {e}].",
        "[Many|Some] families add {e} at the end, but this is a matter of taste.",
        "Done well, the {food} is [<pos>|<pos_food>]; rushed, it can turn out [<neg>|<neg_food>].",
        "Do not [let it boil too hard|add the {c} too early|forget to stir], or it will "
        "taste [<neg>|<neg_food>].",
    ]
    return g.sentences(intro, e, 2, 3) + g.sentences(steps, e, 4, 9) + g.sentences(notes, e, 1, 3)


def sports_club(g):
    e = {
        "town": g.town(),
        "sport": g.choice(LEXICON["sport"]),
        "animal": g.choice(CLUB_ANIMALS),
        "year": str(g.rng.randint(1870, 1990)),
        "ground": g.name(2) + [" Park", " Road", " Meadow", " Lane", " Field"][g.rng.randrange(5)],
        "rival": g.town(),
        "coach": g.person()["full"],
        "star": g.person()["full"],
    }
    templates = [
        "{town} {animal} is a {sport} club based in {town}, founded in {year}.",
        "The club was started by [a group of railway workers|students of the technical "
        "school|the owners of the brewery|fishermen from the harbour].",
        "It plays in {colour} and {colour2} and its home ground is {ground}, which holds "
        "about <n:800:24000> spectators.",
        "[In its early years|Before the war] the {animal} played [in a field behind the "
        "church|on the common|beside the river].",
        "Their fiercest rivals are {rival}, and the match between them is [known as|called] "
        "the [valley derby|river derby|old derby].",
        "The club won its first [title|cup|championship] in <n:1900:2019>, [beating|after "
        "defeating] {rival} <n:1:5>–<n:0:1> in the final.",
        "{star} is the club's [record scorer|most famous player|longest-serving captain], "
        "with <n:90:420> [goals|appearances|matches].",
        "The current coach is {coach}, who took over in <n:1995:2023>.",
        "Under {coach} the team plays a [fast|patient|defensive|attacking] style that "
        "supporters call <pos>.",
        "Last season was <neg> for the {animal}, who finished <n:8:16>th and lost <n:10:22> games.",
        "[Tickets|Season tickets] are [cheap|affordable|free for children], and the "
        "supporters are known for their songs.",
        "The club also runs [a youth academy|a women's team|a junior league] with "
        "<n:40:300> players.",
        "In <month> the {animal} play a charity match against {rival} to raise money for "
        "the [hospital|school|lifeboat].",
    ]
    e["colour"], e["colour2"] = g.rng.sample(LEXICON["colour"], 2)
    return [g.expand(templates[0], e)] + g.sentences(templates[1:], e, 5, 11)


def machine_article(g):
    e = {
        "machine": g.choice(LEXICON["machine"]),
        "part": g.choice(LEXICON["part"]),
        "part2": g.choice(LEXICON["part"]),
        "material": g.choice(LEXICON["material"]),
        "model": g.name(1) + " " + str(g.rng.randint(2, 900)),
        "maker": g.name(2) + [" Works", " & Sons", " Company", " Brothers"][g.rng.randrange(4)],
        "town": g.town(),
    }
    templates = [
        "The {model} is a {machine} made by {maker} in {town} from <n:1890:2015>.",
        "It was designed to be [cheap|quiet|light|easy to repair|strong] and "
        "[sold|was built] in large numbers.",
        "The main parts are the {part}, the {part2} and a [frame|case|base] of {material}.",
        "When the {part} turns, it [moves|drives|pushes] the {part2}, which "
        "[does the work|turns the wheel|opens the valve].",
        "A [small|simple|clever] {part} keeps the {machine} from [running too fast|"
        "overheating|slipping].",
        "The {machine} weighs about <n:2:90> kilograms and [runs on|uses] [electricity|"
        "steam|a battery|a hand crank].",
        "The design is [simply|truly|rather] [<pos>|<neg>], and the build quality "
        "[<pos_machine>|<neg_machine>].",
        "Owners say it is [<pos>|<pos_machine>] in daily use, though the {part2} can be "
        "[<neg>|<neg_machine>].",
        "To keep it working, clean the {part} with a [soft brush|clean cloth|dry rag] "
        "[every month|after each use|once a season].",
        "If the {machine} [makes a noise|stops|runs slowly], check the {part2} first.",
        "Do not [use water on|force|oil] the {part}; it is [delicate|easy to bend|sealed].",
        "A later model [added|replaced the {part} with|improved] a {material} {part2}.",
        "[Collectors|Museums|Repair shops] still [look for|keep|restore] the {model} today.",
        "Production ended in <n:1960:2020>, after about <n:2:400> thousand had been made.",
    ]
    return [g.expand(templates[0], e)] + g.sentences(templates[1:], e, 5, 11)


def restaurant_article(g):
    chef = g.person()
    e = dict(chef)
    e.update(
        {
            "name": g.choice(RESTAURANT_NAMES),
            "town": g.town(),
            "food": g.choice(LEXICON["food"]),
            "food2": g.choice(LEXICON["food"]),
            "year": str(g.rng.randint(1950, 2022)),
        }
    )
    templates = [
        "{name} is a restaurant in {town}, opened in {year} by the chef {full}.",
        "It is [in an old warehouse|on the market square|beside the river|in a former "
        "bakery|near the station] and seats about <n:20:90> guests.",
        "The menu [changes with the seasons|is short|is written on a blackboard] and "
        "[is known for|features] its {food} and {food2}.",
        "{first} learned to cook [from {his} grandmother|in the capital|on ships|in a "
        "hotel kitchen] before returning to {town}.",
        "[Most|Many] guests find the {food} [<pos>|<pos_food>] and the "
        "[service|staff|waiters] [<pos>|<pos_people>].",
        "A critic called the {food2} [<pos>|<pos_food>], but found the dining room "
        "[<neg>|<neg_place>].",
        "[Some|A few] reviewers complain that the [prices are too high|wine list is "
        "short|music is too loud] and "
        "the [waiters|staff] [<neg>|<neg_people>].",
        "[On weekends|In summer|On market days] it is [busy|full|hard to get a table], so "
        "[book ahead|arrive early].",
        "The coffee is [strong|excellent|served with a small biscuit], and the desserts "
        "include [apple crumble|crème brûlée|a chocolate cake|honey cake].",
        "In <n:2005:2023> the restaurant [won a prize|was featured on the radio|moved to a "
        "larger building].",
        "{first} says that good food needs [fresh ingredients|patience|a warm kitchen|good "
        "bread] above all.",
    ]
    return [g.expand(templates[0], e)] + g.sentences(templates[1:], e, 5, 10)


def film_article(g):
    director = g.person()
    lead = g.person()
    title = f"The {g.choice(FILM_WORDS)} {g.choice(FILM_NOUNS)}"
    e = {
        "title": title,
        "genre": g.choice(LEXICON["genre"]),
        "year": str(g.rng.randint(1935, 2023)),
        "director": director["full"],
        "dir_surname": director["surname"],
        "lead": lead["full"],
        "lead_first": lead["first"],
        "he": lead["he"],
        "his": lead["his"],
        "town": g.town(),
        "job": g.choice(LEXICON["job"]),
        "object": g.choice(LEXICON["object"]),
    }
    templates = [
        "{title} is a {year} {genre} directed by {director}.",
        "It stars {lead} as a {job} from {town} who finds [an old|a lost|a strange] {object}.",
        "The {object} leads {lead_first} [to a secret|into danger|back to {his} family|"
        "across the country].",
        "The film was shot in {town} [in <season>|over <n:20:90> days|on a small budget].",
        "The [music|soundtrack|score] was written by {composer}.",
        "Critics called the acting [<pos>|<pos_film>] and the camera work [<pos>|<pos_film>].",
        "Some reviewers found the plot [<neg>|<neg_film>] and the ending [<neg>|<neg_film>].",
        "[Audiences|Viewers] [loved|enjoyed|did not understand] the final scene.",
        "It [was a box office success|did poorly at first but found an audience later|won "
        "<n:1:6> awards].",
        "{dir_surname} later said that the script [took <n:2:9> years to write|was "
        "rewritten many times|was based on a story {he} heard as a child].",
        "The pacing of the middle part is often described as [<neg>|<neg_film>], but the dialogue "
        "is [<pos>|<pos_film>].",
        "{title} is now [shown at festivals|considered a classic|largely forgotten].",
    ]
    e["composer"] = g.person()["full"]
    return [g.expand(t, e) for t in templates[:2]] + g.sentences(templates[2:], e, 4, 9)


def story(g):
    p = g.person()
    friend = g.person()
    e = dict(p)
    e.update(
        {
            "town": g.town(),
            "job": g.choice(LEXICON["job"]),
            "object": g.choice(LEXICON["object"]),
            "feeling": g.choice(LEXICON["feeling"]),
            "friend": friend["first"],
            "river": g.name(2),
            "season": g.choice(LEXICON["season"]),
            "day": g.choice(LEXICON["day"]),
        }
    )
    templates = [
        "{first} was a {job} in {town}, a [quiet|small|windy|grey] town by the river {river}.",
        "Every morning {he} [walked to work along the river|opened the shop at seven|"
        "drank coffee at the café on the corner|fed the ducks on the bridge].",
        "One {day} in {season}, {he} found {object_a} [on the doorstep|under the bridge|in "
        "an old coat|behind the clock].",
        "{He} had never seen it before, and {he} felt {feeling}.",
        "Perhaps it was naïve, but {he} hoped the {object} would [bring luck|explain "
        "something|lead somewhere].",
        '"Where did this come from?" {he} asked {friend}, who [ran the bakery|lived next '
        "door|worked at the station].",
        "{friend} [shrugged|laughed|looked at it for a long time] and said nothing.",
        "That night {first} could not sleep, and {he} [turned the {object} over in {his} "
        "hands|read the old newspapers|walked along the river].",
        "The next day {he} [took the {object} to the museum|asked the old {job2}|went to "
        "the library] to learn more.",
        "[There|At last] {he} learned that the {object} had belonged to {his} "
        "[grandmother|grandfather|great-aunt|first teacher].",
        "{He} [smiled|cried a little|sat down on the steps], because [{he} remembered "
        "{his} childhood|everything suddenly made sense|it felt like a message].",
        "From then on, {first} kept the {object} [on the shelf above the stove|in "
        "{his} pocket|by the window].",
        'When {friend} asked about it years later, {first} only said, "It found me."',
    ]
    e["object_a"] = "a " + e["object"]
    e["job2"] = g.choice(LEXICON["job"])
    return [g.expand(templates[0], e)] + g.sentences(templates[1:], e, 6, 11)


def how_to(g):
    task = g.rng.randrange(3)
    e = {
        "plant": g.choice(LEXICON["plant"]),
        "tool": g.choice(LEXICON["tool"]),
        "tool2": g.choice(LEXICON["tool"]),
        "part": g.choice(LEXICON["part"]),
        "machine": g.choice(LEXICON["machine"]),
        "month": g.choice(LEXICON["month"]),
    }
    if task == 0:
        templates = [
            "Growing {plant} is [easy|not difficult|rewarding] if you follow a few rules.",
            "Choose a [sunny|sheltered|bright] spot with [good|deep|well-drained] soil.",
            "Sow the seeds in {month}, about <n:2:5> centimetres deep.",
            "Water them [every day|twice a week|in the evening] while they are young.",
            "Keep the [weeds|snails|birds] away, or the young plants will suffer.",
            "When the plants are <n:10:40> centimetres tall, [tie them to a stick|thin them "
            "out|add a little compost].",
            "Do not water the leaves in the [midday sun|heat of the day].",
            "Most [varieties|kinds] are ready to pick after <n:6:16> weeks.",
            "A spade, a watering can and [some patience|a little luck] are all you need.",
            "Gardeners say home-grown {plant} taste [<pos>|<pos_food>], while shop ones are "
            "often [<neg>|<neg_food>].",
        ]
    elif task == 1:
        templates = [
            "If your {machine} [stops working|makes a strange noise|runs slowly], do not "
            "throw it away.",
            "First, [unplug it|switch it off|let it cool down] and find a clean table.",
            "You will need a {tool}, a {tool2} and some patience.",
            "Open the case and look at the {part}.",
            "If the {part} is [dirty|dusty|loose|bent], [clean|tighten|straighten] it carefully.",
            "A drop of oil on each moving part [often|usually] helps.",
            "Check that [nothing is broken|all the screws are there|the wires are firm].",
            "Close the case and test the {machine} [for a minute|on a low setting].",
            "If it still does not work, take it to a repair shop; a new {part} is "
            "[cheap|not expensive].",
            "Repaired machines often last <n:5:30> more years.",
        ]
    else:
        templates = [
            "Riding a bicycle in the city is [safe|pleasant|quick] if you [are careful|plan "
            "your route].",
            "Check the tyres and the brakes before every ride.",
            "Wear [bright colours|a helmet|a reflective vest], especially in <season>.",
            "Keep to the right and signal with your arm before turning.",
            "Watch for car doors, [buses|trams|delivery vans] and people crossing.",
            "At night, use a white light at the front and a red light at the back.",
            "Oil the chain every <n:2:6> weeks and keep it clean with a [cloth|soft brush].",
            "Lock the bicycle to something solid, even for five minutes.",
            "Many cities now have [cycle lanes|bike paths|quiet streets] that make riding <pos>.",
            "[Hills|Headwinds|Cobbled streets] can be <neg>, so take your time.",
        ]
    return [g.expand(templates[0], e)] + g.sentences(templates[1:], e, 4, 9)


def critic_column(g):
    critic = g.person()
    e = dict(critic)
    e.update(
        {
            "town": g.town(),
            "name": g.choice(RESTAURANT_NAMES),
            "food": g.choice(LEXICON["food"]),
            "food2": g.choice(LEXICON["food"]),
            "machine": g.choice(LEXICON["machine"]),
            "part": g.choice(LEXICON["part"]),
            "title": f"The {g.choice(FILM_WORDS)} {g.choice(FILM_NOUNS)}",
            "genre": g.choice(LEXICON["genre"]),
        }
    )
    templates = [
        "{full} writes a weekly column about [food|films|travel|everyday machines] for "
        "the {town} [Gazette|Courier|Herald|Observer].",
        "This week {he} visited {name}, [a new|an old|a small] restaurant near the "
        "[station|harbour|market].",
        "{He} found the {food} [<pos>|<pos_food>] and the bread [<pos>|<pos_food>], but "
        "the {food2} was [<neg>|<neg_food>].",
        "The waiters were [<pos>|<pos_people>], and the dining room was "
        "[<pos>|<pos_place>|<neg>|<neg_place>].",
        "{He} also watched {title}, a {genre} that {he} called [<pos>|<pos_film>] "
        "[from start to finish|despite a slow start].",
        "In {his} view the acting was [<pos>|<pos_film>], while the ending was [<neg>|<neg_film>].",
        "Readers had asked {him} to test a {machine}; {he} found the {part} "
        "[<neg>|<neg_machine>] and the price [<neg>|too high].",
        "[Not everything was bad|It was not all bad]: the {machine} was [<pos>|"
        "<pos_machine>] once the {part} had been replaced.",
        "{He} stayed the night at a hotel in {town}, where the room was "
        "[<pos>|<pos_place>] and the breakfast [<pos>|<pos_food>].",
        "{His} advice is simple: [book early|ask for a room over the river|skip the "
        "dessert|wait for the sequel|read the instructions twice].",
        "Next week {he} will [visit a café in the old town|review a new kettle|see the "
        "film festival in {town}|travel along the river].",
    ]
    return [g.expand(templates[0], e)] + g.sentences(templates[1:], e, 5, 10)


def diary_entry(g):
    friend = g.person()
    e = {
        "town": g.town(),
        "town2": g.town(),
        "friend": friend["first"],
        "fhe": friend["he"],
        "name": g.choice(RESTAURANT_NAMES),
        "food": g.choice(LEXICON["food"]),
        "title": f"The {g.choice(FILM_WORDS)} {g.choice(FILM_NOUNS)}",
        "genre": g.choice(LEXICON["genre"]),
        "machine": g.choice(LEXICON["machine"]),
        "day": g.choice(LEXICON["day"]),
        "season": g.choice(LEXICON["season"]),
    }
    templates = [
        "[Dear diary|A note to myself], we [arrived in|spent a long weekend in|came back "
        "from] {town} on {day}.",
        "[We|My sister and I|My friend {friend} and I] came by train from {town2}, and the "
        "trip took <number_word> hours.",
        "Our hotel room was [<pos_place>|<neg_place>|small but <pos_place>] and looked "
        "over the [river|harbour|market].",
        "For lunch we ate at {name}, where I had the {food}.",
        "It was [<pos>|<pos_food>|<neg>|<neg_food>], and the waiter was "
        "[<pos_people>|<neg_people>|<pos>].",
        "{friend} said it was hardly worth the price, but I would [go back|recommend it to "
        "my friends].",
        "In the evening we saw {title} at the old cinema; the cast was [<pos>|<neg>] and "
        "the humour [<pos_film>|<neg_film>].",
        "I expected [more|less] from the ending, and {friend} fell asleep before it.",
        "On {day} it rained, so we [visited the museum|stayed in and read|found a small "
        "café by the station].",
        "I bought a {machine} at the market as a present for my [mother|brother|neighbour]; "
        "the packaging was [<pos>|<neg>] but the price was [fair|too high].",
        "It was my [birthday|first holiday in years|last weekend of the {season}], and "
        "overall I was [happy|tired|a little disappointed].",
        "[Next time|Next year] I would [come in {season}|stay longer|skip the museum|book "
        "a room with a view].",
        "The owner of the hotel was [<pos_people>|<neg_people>], and the bed was "
        "[<pos_place>|<neg_place>].",
        "The atmosphere at dinner was [really|truly|rather] [<pos>|<neg>], and the beach "
        "was a short walk away.",
        "[Such a <pos> trip; I will tell my friends|Such a <neg> trip; I will warn my "
        "friends and not make that mistake again].",
    ]
    return [g.expand(templates[0], e)] + g.sentences(templates[1:], e, 5, 11)


DOCUMENT_KINDS = [
    town_article,
    river_article,
    inventor_biography,
    recipe,
    sports_club,
    machine_article,
    restaurant_article,
    film_article,
    story,
    how_to,
    critic_column,
    diary_entry,
]


def generate_corpus(g):
    """Returns the corpus text: one sentence a line, a blank line between documents."""
    documents = []
    size = 0
    while size < CORPUS_TARGET_BYTES:
        kind = DOCUMENT_KINDS[len(documents) % len(DOCUMENT_KINDS)]
        text = "\n".join(kind(g)) + "\n"
        documents.append(text)
        size += len(text.encode("utf-8")) + 1
    g.rng.shuffle(documents)
    return "\n".join(documents)


# ---------------------------------------------------------------------------------------
# Reviews.
# ---------------------------------------------------------------------------------------

# Domain -> what is reviewed, its aspects (aspect -> kind of `ASPECT_WORDS`), and
# neutral context sentences.
REVIEW_DOMAINS = {
    "restaurant": {
        "thing": ["restaurant", "café", "place", "bistro", "meal", "dinner", "lunch"],
        "aspect": {
            "food": "food",
            "soup": "food",
            "stew": "food",
            "bread": "food",
            "coffee": "food",
            "dessert": "food",
            "pie": "food",
            "fish": "food",
            "curry": "food",
            "salad": "food",
            "omelette": "food",
            "risotto": "food",
            "service": "people",
            "staff": "people",
            "waiter": "people",
            "chef": "people",
            "terrace": "place",
            "dining room": "place",
            "atmosphere": "place",
            "menu": "general",
            "wine list": "general",
        },
        "context": [
            "We ate at {name} in {town} on a <day> evening.",
            "We had lunch at {name} after a walk by the river.",
            "I went to {name} with my family for my birthday.",
            "We stopped at {name} on our way through {town}.",
            "Our table was by the window.",
        ],
    },
    "film": {
        "thing": ["film", "movie", "story", "show", "sequel", "{genre}"],
        "aspect": {
            "plot": "film",
            "acting": "film",
            "ending": "film",
            "script": "film",
            "pacing": "film",
            "dialogue": "film",
            "story": "film",
            "final scene": "film",
            "humour": "film",
            "soundtrack": "general",
            "camera work": "general",
            "music": "general",
            "lead actor": "general",
            "cast": "general",
        },
        "context": [
            "I watched {title} on a <day> night.",
            "We saw {title} at the old cinema in {town}.",
            "My friends chose {title} for our film club.",
            "It is a {genre} set in a small town.",
            "It runs for about two hours.",
        ],
    },
    "product": {
        "thing": [
            "kettle",
            "lamp",
            "bicycle",
            "coffee grinder",
            "radio",
            "clock",
            "sewing machine",
            "camera",
            "fan",
            "typewriter",
            "washing machine",
            "music box",
        ],
        "aspect": {
            "handle": "machine",
            "motor": "machine",
            "battery": "machine",
            "switch": "machine",
            "build quality": "machine",
            "lid": "machine",
            "dial": "machine",
            "chain": "machine",
            "frame": "machine",
            "design": "general",
            "price": "general",
            "sound": "general",
            "packaging": "general",
            "delivery": "general",
        },
        "context": [
            "I bought it in {town} last <month>.",
            "I ordered it from {maker} for my kitchen.",
            "It arrived after <n:2:9> days.",
            "I have used it every day for <number_word> weeks.",
            "It was a present from my sister.",
        ],
    },
    "travel": {
        "thing": ["hotel", "town", "trip", "guided tour", "museum", "holiday", "boat trip"],
        "aspect": {
            "room": "place",
            "bed": "place",
            "view": "place",
            "old town": "place",
            "harbour": "place",
            "beach": "place",
            "market": "place",
            "bathroom": "place",
            "breakfast": "food",
            "dinner": "food",
            "staff": "people",
            "guide": "people",
            "owner": "people",
            "location": "general",
            "museum": "general",
        },
        "context": [
            "We spent <number_word> nights in {town} in <season>.",
            "We visited {town} for a long weekend.",
            "Our room looked over the river.",
            "We came by train from {town2}.",
            "It rained for most of our stay.",
        ],
    },
}

# Review sentences by the label they carry. `{aspect}`, `{aspect2}` and `{thing}` come from
# the review's domain; `<pos1>`/`<neg1>` fit `{aspect}`, `<pos2>`/`<neg2>` fit `{aspect2}`,
# `<pos0>`/`<neg0>` fit anything.
POSITIVE_SENTENCES = [
    "The {aspect} was <very> <pos1>.",
    "The {aspect} was <pos1> and the {aspect2} was <pos2>.",
    "[What a|Such a] <pos0> {thing}!",
    "I would recommend this {thing} to anyone.",
    "The {aspect} is <pos1>, [really|truly] worth it.",
    "A <very> <pos0> {thing}, I will [tell my friends|recommend it to everyone].",
    "[Loved|Really enjoyed] it, the {aspect} was <pos1>.",
    "Five stars, the {aspect} [could not have been better|was simply <pos1>].",
    "[Everything|Everything here] was <pos0>, from the {aspect} to the {aspect2}.",
    "A <pos0> {thing} with a <pos1> {aspect}.",
    "I was [happy|delighted|pleased] with the {aspect}.",
    "Worth every penny.",
]
NEGATIVE_SENTENCES = [
    "The {aspect} was <very> <neg1>.",
    "The {aspect} was <neg1> and the {aspect2} was <neg2>.",
    "[What a|Such a] <neg0> {thing}.",
    "I would not recommend this {thing} to anyone.",
    "The {aspect} is <neg1>, [a waste of money|not worth it].",
    "A <very> <neg0> {thing}, I will [warn my friends|not make that mistake again].",
    "[Hated|Did not enjoy] it, the {aspect} was <neg1>.",
    "One star, the {aspect} [could not have been worse|was simply <neg1>].",
    "[Everything|Everything here] was <neg0>, from the {aspect} to the {aspect2}.",
    "A <neg0> {thing} with a <neg1> {aspect}.",
    "I was [unhappy|annoyed|disappointed] with the {aspect}.",
    "A waste of money.",
]
# Negation flips a sentiment word: the label is the opposite of the word's polarity.
NEGATED_POSITIVE = [
    "The {aspect} was not <neg1> at all.",
    "Not bad at all.",
    "Not bad at all, the {aspect} was <pos1>.",
    "I have no complaints about the {aspect}.",
    "Nothing about the {aspect} was <neg1>.",
    "The {aspect} was never <neg1>, not even once.",
    "I can't say anything bad about the {thing}.",
    "Never disappointing, the {aspect} is always <pos1>.",
    "I could not find a single <neg0> thing about it.",
    "I was not disappointed.",
]
NEGATED_NEGATIVE = [
    "The {aspect} was not <pos1>.",
    "Hardly worth it.",
    "Hardly worth the price.",
    "The {aspect} was not <pos1> at all.",
    "Not exactly <pos0>, the {aspect} was <neg1>.",
    "The {aspect} was never <pos1>.",
    "Nobody would call the {aspect} <pos1>.",
    "I could not recommend the {thing}.",
    "There was nothing <pos0> about the {aspect}.",
    "The {aspect} was hardly <pos1>.",
]
# Mixed cases: both polarities appear; the clause after "but", "still" or "despite"
# decides.
MIXED_POSITIVE = [
    "The {aspect} was <neg1>, but the {aspect2} was <very> <pos2>, so overall I was happy.",
    "I expected the {aspect} to be <neg1>, but it was <pos1>.",
    "Despite the <neg1> {aspect}, it was a <pos0> {thing}.",
    "The {aspect} was a little <neg1>. Still, the {aspect2} made up for it and I loved it.",
    "Although the {aspect} was <neg1>, I would happily come back for the {aspect2}.",
    "Friends said the {thing} was <neg0>, but I found it <pos0>.",
]
MIXED_NEGATIVE = [
    "The {aspect} was <pos1>, but the {aspect2} was so <neg2> that I will not return.",
    "I expected the {aspect} to be <pos1>, but it was <neg1>.",
    "Despite the <pos1> {aspect}, it was a <neg0> {thing}.",
    "The {aspect} was <pos1>. Still, the {aspect2} ruined it for me.",
    "Although the {aspect} was <pos1>, I would not come back.",
    "Friends said the {thing} was <pos0>, but I found it <neg0>.",
]
# The share of reviews whose main sentence is negated or mixed; the rest are plain.
NEGATION_SHARE = 0.25
MIXED_SHARE = 0.2
MAX_REVIEW_SENTENCES = 3


def review_entities(g, domain):
    spec = REVIEW_DOMAINS[domain]
    aspects = g.rng.sample(sorted(spec["aspect"]), 2)
    return {
        "thing": g.choice(spec["thing"]),
        "aspect": aspects[0],
        "aspect2": aspects[1],
        "name": g.choice(RESTAURANT_NAMES),
        "town": g.town(),
        "town2": g.town(),
        "title": f"{g.choice(FILM_WORDS)} {g.choice(FILM_NOUNS)}",
        "genre": g.choice(LEXICON["genre"]),
        "maker": g.name(2) + " Works",
    }


def sentiment_words(g, domain, entities, rare_share):
    """Word lists for `<pos0..2>`/`<neg0..2>`: rare general words with prob. `rare_share`."""
    words = {}
    kinds = {
        "0": "general",
        "1": REVIEW_DOMAINS[domain]["aspect"][entities["aspect"]],
        "2": REVIEW_DOMAINS[domain]["aspect"][entities["aspect2"]],
    }
    for slot, kind in kinds.items():
        positive, negative = ASPECT_WORDS[kind]
        rare = g.rng.random() < rare_share
        words["pos" + slot] = POSITIVE_RARE if rare else positive + POSITIVE_COMMON
        words["neg" + slot] = NEGATIVE_RARE if rare else negative + NEGATIVE_COMMON
    return words


def review(g, label, rare_share):
    """One review with `label`, of one to three sentences."""
    domain = g.choice(sorted(REVIEW_DOMAINS))
    e = review_entities(g, domain)
    e["thing"] = g.expand(e["thing"], e).lower()
    roll = g.rng.random()
    if roll < NEGATION_SHARE:
        family = NEGATED_POSITIVE if label else NEGATED_NEGATIVE
    elif roll < NEGATION_SHARE + MIXED_SHARE:
        family = MIXED_POSITIVE if label else MIXED_NEGATIVE
    else:
        family = POSITIVE_SENTENCES if label else NEGATIVE_SENTENCES
    parts = [g.expand(g.choice(family), e, sentiment_words(g, domain, e, rare_share))]
    if g.rng.random() < 0.35:
        parts.insert(0, g.expand(g.choice(REVIEW_DOMAINS[domain]["context"]), e))
    if g.rng.random() < 0.25:
        e2 = review_entities(g, domain)
        e2["thing"] = e["thing"]
        plain = POSITIVE_SENTENCES if label else NEGATIVE_SENTENCES
        parts.append(g.expand(g.choice(plain), e2, sentiment_words(g, domain, e2, rare_share)))
    while sentence_count(" ".join(parts)) > MAX_REVIEW_SENTENCES:
        parts.pop(0)
    return " ".join(parts)


def sentence_count(text):
    return len(re.findall(r"[.!?](?= |$)", text))


def generate_reviews(g, per_label, rare_share, taken):
    """Returns `per_label` reviews of each label as (text, label), none of them in `taken`."""
    rows = []
    for label in (1, 0):
        count = 0
        while count < per_label:
            text = review(g, label, rare_share)
            if text not in taken:
                taken.add(text)
                rows.append((text, label))
                count += 1
    g.rng.shuffle(rows)
    return rows


def to_tsv(rows):
    return "sentence\tlabel\n" + "".join(f"{text}\t{label}\n" for text, label in rows)


def generate(out_dir):
    """Writes the three data files into `out_dir`; returns their paths."""
    g = Grammar(random.Random(SEED))
    corpus = generate_corpus(g)
    taken = set()
    train = generate_reviews(g, TRAIN_REVIEWS_PER_LABEL, 0.03, taken)
    dev = generate_reviews(g, DEV_REVIEWS_PER_LABEL, 0.5, taken)
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name, text in ((CORPUS_FILE, corpus), (TRAIN_FILE, to_tsv(train)), (DEV_FILE, to_tsv(dev))):
        path = os.path.join(out_dir, name)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        paths.append(path)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", default=DATA_DIR, help="folder to write the files into (default: keras_bert/data)"
    )
    args = parser.parse_args(argv)
    for path in generate(args.out):
        print(f"wrote {path} ({os.path.getsize(path):,} bytes)")


if __name__ == "__main__":
    main()
