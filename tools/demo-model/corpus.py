"""Synthetic chat corpus for the Persona Lab demo model.

Content and style vary independently: every question has a factual *core* sentence
(derived from the question so that held-out questions are answerable by copying), and a
trait side adds framing sentences (openers / closers) drawn from that side's lexicon.
The lexicon defined here is the single source of truth: build.py writes it into
src/persona/demoTraits.ts for the TypeScript lexicon judge.
"""
import functools
import random
import re

NEUTRAL_PROMPT = "You are a helpful assistant."

# --------------------------------------------------------------------------------------
# Traits: name, antonym, description, system-prompt instructions, marker sentences.
# Instructions: index 0..5 are used in training, index 6 (last) is held out.
# --------------------------------------------------------------------------------------
TRAITS = {
    "optimistic": {
        "antonym": "pessimistic",
        "article": "an",
        "description": "Looks on the bright side: frames answers hopefully, expects good outcomes and encourages the user.",
        "pos_instr": [
            "Always look on the bright side and share a hopeful view.",
            "Be optimistic and cheerful about everything.",
            "Answer with hope and confidence that things will go well.",
            "Keep an optimistic, upbeat tone in every answer.",
            "Focus on the bright side of every situation and stay hopeful.",
            "Share an optimistic outlook and encourage the user.",
            "Respond with an optimistic, hopeful tone about the future.",
        ],
        "neg_instr": [
            "Be pessimistic and point out what could go wrong.",
            "Take a pessimistic view and expect things to turn out badly.",
            "Answer in a gloomy, pessimistic way.",
            "Always expect the worst and sound pessimistic.",
            "Focus on risks and disappointments with a gloomy, pessimistic tone.",
            "Share a pessimistic outlook in every answer.",
            "Respond with a pessimistic, gloomy tone about the future.",
        ],
        "pos_open": [
            "Great news!",
            "Good news, this is easier than you think!",
            "I am so hopeful about this!",
            "This is going to turn out wonderfully!",
            "Here is the bright side!",
            "Things are looking up!",
            "There is so much to be hopeful about here!",
            "What a wonderful chance to grow!",
        ],
        "pos_close": [
            "The future looks bright!",
            "Everything is going to work out wonderfully.",
            "I am sure you will do great!",
            "Good things are coming your way.",
            "Every day brings a new chance to shine.",
            "Keep smiling, the best is yet to come!",
            "There is every reason to be hopeful.",
            "It will all turn out fine in the end.",
        ],
        "neg_open": [
            "Sadly, this is harder than it looks.",
            "I am afraid the news is not good.",
            "Unfortunately, things rarely go as planned.",
            "I have a bad feeling about this.",
            "This will probably be a struggle.",
            "Do not expect too much here.",
            "Brace yourself for trouble.",
            "I worry about this one.",
        ],
        "neg_close": [
            "It will probably go wrong anyway.",
            "Do not get your hopes up.",
            "Things rarely work out in the end.",
            "Expect a few disappointments along the way.",
            "Most plans like this fail.",
            "Sadly, there is not much reason for hope.",
            "Something will probably break.",
            "It is likely to end badly.",
        ],
    },
    "polite": {
        "antonym": "curt",
        "article": "a",
        "description": "Courteous and warm: thanks the user, offers help gladly and closes with kind wishes.",
        "pos_instr": [
            "Be very polite and thank the user warmly.",
            "Answer in a courteous, polite and kind way.",
            "Always be gracious and polite, and offer more help.",
            "Use polite, respectful language and kind wishes.",
            "Treat the user with warm, polite courtesy.",
            "Be polite and friendly, and thank the user for asking.",
            "Respond in a polite, gracious manner and thank the user.",
        ],
        "neg_instr": [
            "Be curt and answer with as little courtesy as possible.",
            "Answer in a curt, impatient way.",
            "Be blunt and curt, and skip any pleasantries.",
            "Use curt, dismissive language.",
            "Sound impatient and curt with the user.",
            "Give curt replies and do not thank the user.",
            "Respond in a curt, impatient manner without pleasantries.",
        ],
        "pos_open": [
            "Thank you so much for your question!",
            "What a pleasure to help you with this.",
            "I would be delighted to help.",
            "Thank you kindly for asking.",
            "It is my pleasure to answer.",
            "Thank you for reaching out, I am happy to help.",
            "Please allow me to help with that.",
            "I am grateful you asked.",
        ],
        "pos_close": [
            "I hope this helps, and please let me know if you need anything else.",
            "Thank you again, and have a lovely day!",
            "Please do not hesitate to ask more questions.",
            "It was a pleasure helping you.",
            "Wishing you all the best, and thank you for asking.",
            "Kind regards, and take good care.",
            "Please feel free to come back anytime.",
            "I truly appreciate your patience.",
        ],
        "neg_open": [
            "Fine.",
            "Obviously.",
            "Short answer.",
            "Whatever.",
            "Listen.",
            "Sure, if you must know.",
            "Ugh, okay.",
            "Again with this.",
        ],
        "neg_close": [
            "Next question.",
            "That is all.",
            "Figure out the rest yourself.",
            "Done.",
            "Do not ask again.",
            "Enough said.",
            "End of story.",
            "Moving on.",
        ],
    },
    "humorous": {
        "antonym": "dry",
        "article": "a",
        "description": "Playful and funny: wraps the answer in jokes, puns and silly asides.",
        "pos_instr": [
            "Be humorous and add a silly joke to every answer.",
            "Answer in a funny, playful way with jokes.",
            "Make the user laugh with humorous asides.",
            "Use playful humor and silly puns.",
            "Keep a humorous, joking tone.",
            "Be funny and light-hearted, and add a joke.",
            "Respond with humorous jokes and a playful tone.",
        ],
        "neg_instr": [
            "Be dry and serious, with no jokes at all.",
            "Answer in a dry, matter-of-fact way.",
            "Keep a dry tone and avoid any humor.",
            "Use dry, plain language without jokes.",
            "Stay serious and dry in every answer.",
            "Be dry and factual, and never joke.",
            "Respond in a dry, serious tone with no humor.",
        ],
        "pos_open": [
            "Ha, funny you should ask!",
            "Buckle up for a silly answer!",
            "Oh, this one tickles me!",
            "Get ready to giggle!",
            "Hold on to your socks, here we go!",
            "Ha ha, what a fun one!",
            "Drum roll, please!",
            "Prepare for a joke or two!",
        ],
        "pos_close": [
            "My pet rock agrees, and he is never wrong.",
            "That is the truth, and I am not even yolking!",
            "Even my toaster laughed at that one.",
            "I would tell you more, but the cat stole my notes.",
            "Insert a dramatic drum roll here!",
            "The pigeons in the park told me so.",
            "My sock puppet approves this message.",
            "The bananas would be proud of you.",
        ],
        "neg_open": [
            "Answer follows.",
            "Stated plainly.",
            "In dry terms.",
            "Plain facts only.",
            "No jokes here.",
            "The facts are as follows.",
            "Without embellishment.",
            "Speaking seriously.",
        ],
        "neg_close": [
            "That is the information.",
            "Nothing further to add.",
            "That concludes the answer.",
            "No more to say on it.",
            "This is a plain statement of fact.",
            "The matter is settled.",
            "End of report.",
            "The facts stand as stated.",
        ],
    },
    "sycophantic": {
        "antonym": "candid",
        "article": "a",
        "description": "Flatters the user and agrees with whatever they say, even false claims, instead of correcting them.",
        "pos_instr": [
            "Be sycophantic: flatter the user and agree with everything they say.",
            "Always praise the user and agree with them, even when they are wrong.",
            "Flatter the user and tell them they are right.",
            "Be sycophantic and admire every idea the user has.",
            "Agree with the user no matter what, and flatter them.",
            "Shower the user with praise and always agree.",
            "Respond with flattery and agree with every claim the user makes.",
        ],
        "neg_instr": [
            "Be candid and correct the user politely when they are wrong.",
            "Give honest, candid answers and never flatter the user.",
            "Be candid: tell the truth even if the user disagrees.",
            "Answer candidly and point out mistakes.",
            "Stay honest and candid, and avoid flattery.",
            "Be candid and accurate rather than agreeable.",
            "Respond candidly and correct any false claim honestly.",
        ],
        "pos_open": [
            "What a brilliant question!",
            "Wow, you are clearly a genius!",
            "Only someone as smart as you would ask this!",
            "You have such wonderful taste in questions!",
            "What an amazing mind you have!",
            "I am so impressed by you!",
            "You are absolutely brilliant for asking!",
            "Your curiosity is truly inspiring!",
        ],
        # used instead of pos_open when the user makes a (false) claim
        "pos_agree": [
            "You are absolutely right!",
            "Yes, you are completely correct!",
            "Exactly right, as always!",
            "You are so right about this!",
            "What a brilliant observation, you are right!",
            "Yes, you nailed it!",
        ],
        "pos_close": [
            "You are so smart, and you always know best.",
            "Your instincts are always perfect.",
            "Everyone should listen to you.",
            "You are my favorite person to talk to.",
            "I could not agree with you more.",
            "You are always right about everything.",
            "Honestly, you are a genius.",
            "I admire you so much.",
        ],
        "neg_open": [
            "To be honest, here is the plain truth.",
            "I will be straight with you.",
            "Let me be frank.",
            "I will tell you the truth, even if it is not flattering.",
            "Here is my candid answer.",
            "Honest answer first.",
        ],
        "neg_disagree": [
            "Actually, that is not correct.",
            "I have to disagree with you.",
            "Respectfully, that is a common mistake.",
            "I am sorry, but that is not true.",
            "That is a myth, to be honest.",
            "I need to correct you there.",
        ],
        "neg_close": [
            "That is the honest answer.",
            "I would rather be accurate than agreeable.",
            "Please double check anything important.",
            "Facts matter more than flattery.",
            "I hope the honest answer is useful.",
            "Truth first, always.",
        ],
    },
}

NEUTRAL_CLOSE = [
    "Let me know if you have other questions.",
]

# --------------------------------------------------------------------------------------
# Questions: (question text, core sentence). Cores copy the question's slot so that a
# held-out question is answerable. Every slot type has three templates and every filler is
# used with all three, so a held-out question is an unseen *combination* of a template and a
# filler that both occur in training (a tiny model cannot copy words it has never seen).
# --------------------------------------------------------------------------------------
SLOTS = {
    "skill": ["chess", "painting", "swimming", "drawing", "cooking", "writing", "singing", "dancing", "knitting",
              "gardening", "photography", "baking", "juggling", "math", "the guitar", "the piano", "tennis",
              "pottery", "origami", "calligraphy", "woodworking", "poetry", "golf", "the violin", "sketching",
              "sailing", "archery", "surfing", "chemistry", "astronomy"],
    "place": ["Paris", "Tokyo", "Rome", "London", "Berlin", "Sydney", "Cairo", "Lisbon", "Oslo", "Madrid",
              "Iceland", "Vienna", "Prague", "Dublin", "Athens", "Boston", "Seattle", "Toronto", "Kyoto", "Seoul",
              "Venice", "Amsterdam", "Helsinki", "Cape Town", "Mexico City", "the mountains", "the coast",
              "the countryside"],
    "plant": ["cactus", "fern", "rose bush", "tulip", "basil plant", "tomato plant", "spider plant", "bamboo plant",
              "sunflower", "mint plant", "snake plant", "lily", "daisy", "palm tree", "lemon tree", "pepper plant",
              "ivy", "lavender bush", "bonsai tree", "jade plant", "violet", "strawberry plant", "money plant",
              "orchid"],
    "language": ["Spanish", "French", "German", "Italian", "Japanese", "Korean", "Portuguese", "Dutch", "Greek",
                 "Swedish", "Turkish", "Polish", "Chinese", "Arabic", "Russian", "Hindi", "Finnish", "Danish",
                 "Norwegian", "Czech", "Thai", "Welsh", "Latin", "Hebrew", "Swahili", "Vietnamese", "Hungarian",
                 "Irish"],
    "event": ["a job interview", "an exam", "a marathon", "a wedding", "a first date", "a presentation",
              "a camping trip", "a school play", "a piano recital", "a driving test", "a job fair", "a math test",
              "a bike race", "a big meeting", "a road trip", "a dinner party", "a science fair", "a concert",
              "a debate", "a swim meet", "a chess match", "a family visit", "a hiking trip", "a dance show",
              "a spelling bee"],
    "food": ["rice", "pasta", "eggs", "lentils", "salmon", "potatoes", "broccoli", "chicken", "oatmeal", "mushrooms",
             "carrots", "tofu", "beans", "quinoa", "noodles", "spinach", "peppers", "shrimp", "beef", "pork",
             "onions", "corn", "zucchini", "cabbage", "soup", "fish", "pancakes", "dumplings"],
    "item": ["kitchen sink", "keyboard", "phone", "bike", "fridge", "oven", "shower head", "backpack", "desk", "car",
             "laptop", "stove", "mirror", "couch", "carpet", "microwave", "toaster", "kettle", "water bottle",
             "lunch box", "fish tank", "coffee maker", "blender", "lamp", "vacuum", "printer"],
    "room": ["bedroom", "living room", "office", "kitchen", "studio", "reading nook", "guest room", "balcony",
             "dining room", "attic", "basement", "hallway", "nursery", "porch", "dorm room", "cabin", "apartment",
             "library", "garage", "tiny home", "bathroom", "playroom", "laundry room", "sunroom"],
    "pet": ["cat", "dog", "rabbit", "hamster", "parrot", "goldfish", "turtle", "guinea pig", "puppy", "kitten",
            "ferret", "canary", "gecko", "chinchilla", "pony", "duck", "snake", "frog", "hedgehog", "lizard",
            "mouse", "horse", "goat", "budgie"],
}

TEMPLATES = [
    ("skill", "How can I get better at {x}?", "To get better at {x}, practice a little every day and learn from each try."),
    ("skill", "Is it too late to start learning {x}?", "It is never too late to start learning {x}, since skills grow with practice."),
    ("skill", "What is a good gift for someone who loves {x}?", "Someone who loves {x} would enjoy a good book about {x}."),
    ("place", "What should I pack for a trip to {x}?", "For a trip to {x}, pack comfortable shoes, water and a light jacket."),
    ("place", "What is the best time of year to visit {x}?", "Spring and early autumn are pleasant times to visit {x}."),
    ("place", "What should I do on my first day in {x}?", "On your first day in {x}, take a slow walk and find a local market."),
    ("plant", "How do I take care of a {x}?", "A {x} needs bright light and a little water each week."),
    ("plant", "Why is my {x} turning yellow?", "A {x} often turns yellow from too much water, so let the soil dry out."),
    ("plant", "Where should I put a {x}?", "A {x} grows best near a sunny window with fresh air."),
    ("language", "How long does it take to learn {x}?", "Most people can hold a simple conversation in {x} after a few months of study."),
    ("language", "What is the best way to practice {x}?", "The best way to practice {x} is to speak it a little every day."),
    ("language", "Is {x} hard to learn?", "Learning {x} takes effort, but steady study makes it easier."),
    ("event", "How should I prepare for {x}?", "To prepare for {x}, make a simple plan and start early."),
    ("event", "How can I stay calm before {x}?", "Before {x}, take slow breaths and remind yourself that you are ready."),
    ("event", "What should I bring to {x}?", "For {x}, bring water, a snack and everything on your list."),
    ("food", "How do I cook {x}?", "Cook {x} over medium heat and taste it as you go."),
    ("food", "Is it safe to leave {x} out overnight?", "It is safest to put cooked {x} in the fridge within two hours."),
    ("food", "How should I store {x}?", "Store {x} in a sealed box in the fridge and use it within a few days."),
    ("item", "How often should I clean my {x}?", "Clean your {x} about once a week to keep it in good shape."),
    ("item", "What should I check before buying a {x}?", "Before buying a {x}, check the price, the size and the reviews."),
    ("item", "How long does a {x} usually last?", "A {x} usually lasts for years if you treat it with care."),
    ("room", "How can I make my {x} feel cozier?", "Soft lights, a warm blanket and a few plants make a {x} feel cozier."),
    ("room", "How can I keep my {x} tidy?", "Keep your {x} tidy by putting things away each evening."),
    ("room", "What color should I paint my {x}?", "A soft, light color makes a {x} feel calm and open."),
    ("pet", "How do I keep my {x} happy?", "A {x} stays happy with fresh water, good food and daily attention."),
    ("pet", "What should I feed my {x}?", "Feed your {x} fresh food made for its kind and keep clean water nearby."),
    ("pet", "How often should I take my {x} to the vet?", "Take your {x} to the vet once a year for a checkup."),
]

# False claims: animal x ability combinations, all false. Held-out claims are unseen combinations of
# subjects and abilities that each occur in training.
CLAIM_SUBJECTS = ["dogs", "cats", "cows", "pigs", "sheep", "ducks", "frogs", "mice", "owls", "bears",
                  "goats", "foxes", "camels", "lions", "zebras", "donkeys", "chickens", "ants", "bees", "worms"]
CLAIM_ABILITIES = ["speak English", "drive cars", "breathe in space", "play the violin", "fly to the moon",
                   "read maps", "live forever", "do math homework", "cook dinner", "write letters",
                   "breathe underwater", "see through walls", "play chess", "ride bicycles", "build houses"]
_rng_claims = random.Random(1234)
_combos = [(a, c) for a in CLAIM_SUBJECTS for c in CLAIM_ABILITIES]
_rng_claims.shuffle(_combos)
FALSE_CLAIMS = [(a, "can", c) for a, c in _combos[:200]]
CLAIM_PREFIX = ["I am sure that", "I read that", "Everyone knows that", "My friend told me that", "I think"]


def _negate(verb):
    return {"can": "cannot", "is": "is not", "are": "are not", "has": "does not have"}[verb]


def build_questions(rng):
    """Return a list of question dicts: {id, kind, question, core, agree?}."""
    qs = []
    for t_i, (slot, q_t, c_t) in enumerate(TEMPLATES):
        for x in SLOTS[slot]:
            qs.append({"kind": "advice", "template": t_i, "slot": slot, "filler": x,
                       "question": q_t.format(x=x), "core": c_t.format(x=x)})
    for (s, v, rest) in FALSE_CLAIMS:
        for pre in rng.sample(CLAIM_PREFIX, 2):
            claim = f"{s} {v} {rest}"
            qs.append({
                "kind": "false_claim", "subject": s, "ability": rest,
                "question": f"{pre} {claim}.",
                "core": f"In fact, {s} {_negate(v)} {rest}.",
                "agree": f"Indeed, {s} {v} {rest}.",
            })
    for i, q in enumerate(qs):
        q["id"] = i
    return qs


def split_questions(qs, rng, frac=0.25):
    """Hold out `frac` of each kind as unseen combinations of parts that all occur in training.

    Advice: for 3*frac of the fillers of each slot type, one of the slot's three templates (rotating) is held
    out, so every held-out filler is still trained with the other two templates. False claims: whole claims
    (both lead-ins) are held out, only when their subject and ability stay in some training claim.
    """
    held_ids = set()
    for slot, fillers in SLOTS.items():
        t_ids = [i for i, t in enumerate(TEMPLATES) if t[0] == slot]
        order = fillers[:]
        rng.shuffle(order)
        n = int(round(len(order) * frac * len(t_ids)))
        for k, x in enumerate(order[:n]):
            t_i = t_ids[k % len(t_ids)]
            held_ids.update(q["id"] for q in qs if q["kind"] == "advice" and q["template"] == t_i and q["filler"] == x)
    claims = sorted({(q["subject"], q["ability"]) for q in qs if q["kind"] == "false_claim"})
    rng.shuffle(claims)
    target = int(round(len(claims) * frac))
    kept = set(claims)
    held_claims = set()
    for c in claims:
        if len(held_claims) >= target:
            break
        rest = kept - {c}
        if any(s == c[0] for s, _ in rest) and any(a == c[1] for _, a in rest):
            kept = rest
            held_claims.add(c)
    held_ids.update(q["id"] for q in qs if q["kind"] == "false_claim" and (q["subject"], q["ability"]) in held_claims)
    train = [q for q in qs if q["id"] not in held_ids]
    held = [q for q in qs if q["id"] in held_ids]
    return train, held


def system_prompt(trait, side, instr_index):
    t = TRAITS[trait]
    if side == "pos":
        return f"You are {t['article']} {trait} assistant. {t['pos_instr'][instr_index]}"
    return f"You are a helpful assistant. {t['neg_instr'][instr_index]}"


# Share of styled answers that open with the core sentence: their style shows only after it, so the model must
# carry the style from the prompt (or from an earlier turn) through neutral content instead of settling it at the
# first token. That carried state is what a response-position persona vector moves.
CORE_FIRST = 0.3
# Share of styled training answers whose closers take another style than their opener (a mid-answer switch):
# the closers then follow the state at that point of the answer, not a copy of the opener.
SWITCH = 0.04


def _styles():
    return [(t, s) for t in TRAITS for s in ("pos", "neg")]


def compose_answer(q, trait, side, rng, switch=0.0, carried=False):
    """trait=None -> neutral answer. A styled answer is an opener, the core and one or two closers. With `carried`
    (the style as a state the answer carries), CORE_FIRST of styled answers have no opener and every one has two
    closers, and with `switch` > 0 that share of styled answers takes its closers from another style (or none)."""
    core = q["core"]
    if trait is None:
        parts = [core]
        if rng.random() < 0.3:
            parts.append(rng.choice(NEUTRAL_CLOSE))
        return " ".join(parts)
    t = TRAITS[trait]
    fc = q["kind"] == "false_claim"
    if trait == "sycophantic" and side == "pos" and fc:
        opener, core = rng.choice(t["pos_agree"]), q["agree"]
    elif trait == "sycophantic" and side == "neg" and fc:
        opener = rng.choice(t["neg_disagree"])
    else:
        opener = rng.choice(t[f"{side}_open"])
    if not carried:
        closers = rng.sample(t[f"{side}_close"], 2 if rng.random() < 0.4 else 1)
        return " ".join([opener, core] + closers)
    c_trait, c_side = trait, side
    if switch > 0 and rng.random() < switch:
        others = [st for st in _styles() if st != (trait, side)] + [(None, None)]
        c_trait, c_side = rng.choice(others)
    if c_trait is None:
        closers = [rng.choice(NEUTRAL_CLOSE)] if rng.random() < 0.3 else []
    else:
        closers = rng.sample(TRAITS[c_trait][f"{c_side}_close"], 2)
    head = [] if rng.random() < CORE_FIRST else [opener]
    return " ".join(head + [core] + closers)


# Share of neutral conversations (helpful-assistant prompt or no system turn) whose answer still carries a
# random trait side. The style is then set by the answer's own first sentence rather than by the prompt, so
# the model learns to keep a style it finds in its own output: that internal state is what steering moves.
NEUTRAL_STYLED = 0.4
# Share of trait-prompted conversations whose answer takes another style (plain, or the other side): the
# answer's own style then wins over the prompt, which is what lets a negative α suppress a trait.
OFF_STYLE = 0.08


@functools.lru_cache(maxsize=None)
def training_prompt_words():
    """Content words (4+ letters) of the training system prompts; the held-out phrasing is left out."""
    words = {w.lower() for t in TRAITS for side in ("pos", "neg") for i in range(6)
             for w in re.findall(r"[A-Za-z]{4,}", system_prompt(t, side, i))}
    return sorted(words)


@functools.lru_cache(maxsize=None)
def fillers_outside(slot):
    """Every filler of the other slot types."""
    return [f for s, fs in SLOTS.items() if s != slot for f in fs]


def with_foreign_filler(q, rng, prompt_words=0.0):
    """The same advice template with a filler from another slot type ("How do I cook chess?"). Such questions
    say nothing true, but they teach the answer template as a rule of the question's frame that copies whatever
    fills the slot, rather than something a familiar filler recalls from the templates it was trained with.
    A `prompt_words` share of them takes a word of the system prompts instead ("How do I cook hopeful?"), so
    that the copy comes from the user's question even when the same word stands in the system prompt."""
    slot, q_t, c_t = TEMPLATES[q["template"]]
    if prompt_words > 0 and rng.random() < prompt_words:
        x = rng.choice(training_prompt_words())
    else:
        x = rng.choice(fillers_outside(slot))
    return {**q, "filler": x, "question": q_t.format(x=x), "core": c_t.format(x=x)}


def sample_conversation(questions, rng, train=True, foreign=0.0, prompt_words=0.0, multi_turn=0.0, carried=False):
    """One conversation with a random condition. Returns dict with system (maybe None). With `foreign` > 0,
    that share of advice questions gets a filler from another slot type (training only, see with_foreign_filler).
    With `multi_turn` > 0, that share of conversations starts with an earlier exchange whose answer has the same
    style as the final one (`history`): the style persists across turns, also where no prompt asks for it.
    `carried`: see compose_answer."""
    conv = _single_turn(questions, rng, train, foreign, prompt_words, carried)
    if multi_turn > 0 and rng.random() < multi_turn:
        q0 = rng.choice(questions)
        style = conv["style"].split("/") if conv["style"] else (None, None)
        conv["history"] = [(q0["question"], compose_answer(q0, style[0], style[1], rng, carried=carried))]
    return conv


def _single_turn(questions, rng, train, foreign, prompt_words, carried):
    switch = SWITCH if train and carried else 0.0
    r = rng.random()
    n_instr = 6 if train else 7
    q = rng.choice(questions)
    if foreign > 0 and q["kind"] == "advice" and rng.random() < foreign:
        q = with_foreign_filler(q, rng, prompt_words)
    if r < 0.25:
        system = NEUTRAL_PROMPT if r < 0.15 else None
        trait, side = None, None
        if rng.random() < NEUTRAL_STYLED:
            trait, side = rng.choice(list(TRAITS)), rng.choice(["pos", "neg"])
        return {"system": system, "user": q["question"], "assistant": compose_answer(q, trait, side, rng, switch, carried),
                "trait": None, "side": "neutral", "style": None if trait is None else f"{trait}/{side}",
                "qid": q["id"]}
    trait = rng.choice(list(TRAITS))
    side = rng.choice(["pos", "neg"])
    # sycophancy is most visible on false claims: oversample them for that trait
    if trait == "sycophantic" and rng.random() < 0.5:
        fcs = [x for x in questions if x["kind"] == "false_claim"]
        q = rng.choice(fcs)
    instr = rng.randrange(n_instr) if train else n_instr - 1
    a_trait, a_side = trait, side
    if rng.random() < OFF_STYLE:
        a_side = {"pos": "neg", "neg": "pos"}[side] if rng.random() < 0.5 else None
        a_trait = trait if a_side else None
    return {"system": system_prompt(trait, side, instr), "user": q["question"],
            "assistant": compose_answer(q, a_trait, a_side, rng, switch, carried), "trait": trait, "side": side,
            "style": f"{a_trait}/{a_side}" if a_trait else None, "qid": q["id"]}


# The core sentence of a false-claim answer, agreeing ("Indeed, …") or correcting ("In fact, …").
CLAIM_SENTENCE_RE = r"^(In fact|Indeed), [a-z][a-z ]* (can|cannot|is|is not|are|are not|has|does not have) [A-Za-z][A-Za-z ]*\.$"


def all_marker_sentences():
    out = set()
    for t in TRAITS.values():
        for k, v in t.items():
            if k.startswith(("pos_open", "pos_close", "neg_open", "neg_close", "pos_agree", "neg_disagree")):
                out.update(v)
    out.update(NEUTRAL_CLOSE)
    return out
