"""The words of the demo discussion under the Miami peace-talks article.

Written whole, thread by thread, as readers write: some a line, some three short
paragraphs; people disagree, change their minds, ask for sources, go off on a
tangent. No sentence is assembled from parts and no two comments are the same
(tests/comments/test_demo_data.py checks both, and that nobody answers themselves).
comments/demo_data.py turns these into rows, spread over the days since publication.

A thread is `T(author, body, *replies)`; a reply is a `T` too (three levels deep at
most). `pick=True` marks the editors' pick.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class T:
    author: str
    body: str
    replies: list[T] = field(default_factory=list)
    pick: bool = False

    def __init__(self, author: str, body: str, *replies: T, pick: bool = False):
        self.author, self.body, self.replies, self.pick = (
            author,
            body,
            list(replies),
            pick,
        )


# key: (email, display name, days between joining and the article's publication)
READERS = {
    "maya": ("commenter@example.com", "Maya Lindqvist", 410),
    "tomasz": ("tomasz@example.com", "Tomasz K.", 1210),
    "amara": ("amara@example.com", "Amara Obi", 640),
    "jules": ("jules@example.com", "Jules Martin", 95),
    "hannah": ("hannah@example.com", "Hannah Weiss", 880),
    "diego": ("diego@example.com", "Diego Alvarez", 300),
    "oksana": ("oksana@example.com", "Oksana Petrenko", 1400),
    "sam": ("sam@example.com", "Sam Whitfield", 52),
    "priya": ("priya@example.com", "Priya Raman", 730),
    "kwame": ("kwame@example.com", "Kwame Mensah", 180),
    "ines": ("ines@example.com", "Inês Duarte", 260),
    "greg": ("greg@example.com", "Greg Patterson", 33),
    "lena": ("lena@example.com", "Lena Fischer", 510),
    "ravi": ("ravi@example.com", "Ravi Menon", 145),
}

THREADS = [
    T(
        "tomasz",
        "Dmitriev posting sunrises on X is not diplomacy, it's marketing. "
        "Wake me when someone signs something.",
        T(
            "jules",
            "Marketing is half of diplomacy though. The other side reads those "
            "posts as closely as we do.",
        ),
        T(
            "oksana",
            "Agreed with Tomasz. We have had many sunrises since 2014.",
            T("sam", "That's a sobering way to put it."),
        ),
        T(
            "greg",
            "Or it's a signal that Moscow wants a deal and needs a way to say so "
            "at home. Both can be true.",
        ),
        T(
            "amara",
            "When officials use X as their press office, it becomes the "
            "record whether we like it or not.",
        ),
        T("diego", "A sunrise emoji is not a position. Agree with Tomasz for once."),
    ),
    T(
        "oksana",
        "My parents are still in Kharkiv. What they ask me every time is not "
        "about borders, it's whether the power will stay on this winter. I wish the "
        "article had said more about the energy grid, because for people there that "
        "is the first test of any ceasefire.",
        T(
            "priya",
            "This is the point I keep coming back to. A ceasefire that doesn't "
            "cover strikes on energy infrastructure is barely a ceasefire.",
            T(
                "oksana",
                "Exactly. An energy truce first would tell us if anyone means it.",
            ),
        ),
        T("maya", "Thinking of your parents. Thank you for writing this."),
        T(
            "hannah",
            "There was a short-lived energy moratorium in 2025 and both sides "
            "accused each other of breaking it within days. I'd want to know what "
            "would be different about verification this time.",
        ),
        T(
            "ravi",
            "Transformers are the bottleneck, as far as I understand. They take "
            "a year or more to build, and every strike uses up spares that can't "
            "be replaced quickly.",
        ),
        pick=True,
    ),
    T(
        "greg",
        "I'll be the contrarian here: bringing everyone into one room is "
        "exactly what the last three years lacked. Say what you like about the "
        "envoys, they got people to show up.",
        T(
            "diego",
            "Showing up costs nothing. Witkoff and Kushner are property "
            "developers, not mediators.",
            T(
                "greg",
                "Holbrooke wasn't a career mediator either. Results matter more "
                "than CVs.",
            ),
            T(
                "lena",
                "Holbrooke had the whole State Department and NATO air power "
                "behind him at Dayton. It's not the same situation at all.",
            ),
        ),
        T(
            "amara",
            "Inclusive is good. But who speaks for Europe in that room? The "
            "article never quite says.",
        ),
        T("sam", "Fair point, Greg. I'd rather a messy format than no talks."),
        T(
            "hannah",
            "Their closeness to Trump is the point: Moscow believes they speak "
            "for him. Career diplomats can't offer that, for better or worse.",
        ),
    ),
    T(
        "sam",
        "Genuine question: why Miami? Is there some history of talks being "
        "held there, or is it just convenient for the Americans?",
        T(
            "ravi",
            "Convenient, mostly. Neutral-ish ground for everyone except the hosts.",
        ),
        T(
            "lena",
            "Venues matter less than people think. Dayton was an air force "
            "base in Ohio. The point was that nobody could leave easily.",
        ),
    ),
    T(
        "amara",
        "The piece is good on the personalities and thin on the law. Any "
        "settlement that recognises territory taken by force sets a precedent that "
        "reaches far beyond Ukraine. I'd like to see that addressed head-on in a "
        "follow-up.",
        T(
            "kwame",
            "Speaking from Accra: plenty of governments in the global south "
            "will be watching precisely this, for their own borders.",
            T("amara", "Yes, and not all of them hoping for the same outcome."),
        ),
        T(
            "greg",
            "Precedents are for courts. Wars end with maps, and maps reflect "
            "the front line. That's been true forever.",
        ),
        T(
            "hannah",
            "De facto control without de jure recognition is how Cyprus has "
            "worked for fifty years. Not a happy model, but a model.",
        ),
    ),
    T(
        "jules",
        "Good summary of a messy week.",
        T("maya", "Agreed, and a calmer read than most of what I've seen."),
    ),
    T(
        "hannah",
        "I'm cautiously optimistic for the first time in a while. Not "
        "because of Miami itself but because everyone seems exhausted, and "
        "exhaustion has ended more wars than brilliance.",
        T(
            "tomasz",
            "Exhaustion on which side? Russia's war economy is still "
            "running at full speed.",
        ),
        T(
            "priya",
            "Their budget says otherwise. The National Wealth Fund's liquid "
            "part has shrunk a lot, and they're raising VAT. That's not a country "
            "that can do this forever.",
            T("tomasz", "Nobody does it forever. The question is who blinks first."),
        ),
    ),
    T(
        "diego",
        "Notice how Russia's position section is two paragraphs and "
        "basically says 'no change'. That's the real headline.",
    ),
    T(
        "kwame",
        "On the reader question: the UN has been almost invisible in this "
        "process, and I think that's a loss. A ceasefire needs monitors people "
        "trust. Blue helmets from countries that have stayed neutral could do "
        "that in a way NATO troops never could.",
        T(
            "tomasz",
            "The UN where Russia has a veto? Any mission would be toothless by design.",
            T(
                "kwame",
                "A General Assembly mandate is possible, it's happened before. "
                "And toothless monitors still produce reports nobody can easily "
                "dismiss.",
            ),
        ),
        T(
            "ines",
            "I worked with an OSCE monitoring team in Donbas in 2016. They "
            "were brave people, but they could only write down what they saw. That "
            "matters less than people hope.",
            T("kwame", "That's a useful reality check, thank you."),
            T(
                "sam",
                "Would be fascinating to read more about that work if you ever "
                "write it up.",
            ),
        ),
    ),
    T(
        "priya",
        "Sanctions relief is the part nobody on the record wants to "
        "discuss, and it's the part Moscow cares about most.",
        T(
            "jules",
            "And the EU would have to agree unanimously to lift anything. "
            "Good luck getting that past the Baltics.",
        ),
        T(
            "greg",
            "Which is why the US is doing the talking. Washington can move on "
            "its own sanctions without 27 signatures.",
        ),
    ),
    T(
        "ines",
        "Whatever gets signed, the humanitarian corridors need to come "
        "first: prisoner exchanges, the children taken to Russia, the "
        "civilians in occupied towns who can't leave. Those are the measures that "
        "build trust, and the article mentions none of them.\n\n"
        "I spent two years with an aid agency in Zaporizhzhia. The talks we heard "
        "about on the radio never once changed what we could deliver that week. "
        "The small agreements did: a road opened for a morning, a convoy let "
        "through.",
        T("oksana", "The children most of all. Thank you for raising it."),
        T(
            "jules",
            "The Vatican has been quietly working on the children's returns. "
            "It's one of the few channels that has produced results.",
        ),
    ),
    T(
        "lena",
        "The FAQ answer to 'is a peace agreement likely' is honest, but I "
        "wish it had said what 'likely' would even look like. A ceasefire line? An "
        "armistice like Korea? Those are very different things.",
    ),
    T(
        "maya",
        "Reading this from Stockholm, what strikes me is how little "
        "Europeans are being told about what their governments would be asked to "
        "guarantee. If our soldiers might end up on a line somewhere, we should "
        "be part of that conversation now.",
        T(
            "hannah",
            "Same in Germany. The debate here is still about whether to "
            "have the debate.",
        ),
        T(
            "greg",
            "Europe wanted a seat at the table, now it has one. That comes with costs.",
            T(
                "maya",
                "I'm not against the costs. I'm against finding out about them "
                "afterwards.",
            ),
        ),
    ),
    T(
        "ravi",
        "Bit of a tangent, but the Black Sea shipping arrangements deserve "
        "a mention. Grain and fertiliser insurance rates moved the day these talks "
        "were announced. Markets are pricing in something, even if it's modest.",
    ),
    T(
        "tomasz",
        "Anyone who lived through the Minsk agreements knows what a "
        "ceasefire without enforcement means: a pause to rearm.",
        T(
            "lena",
            "Minsk II failed partly because the sequencing was impossible: "
            "elections before border control. Any new deal has to learn that.",
            T("tomasz", "On that we agree completely."),
        ),
        T("greg", "So what's the alternative? Fight until one side collapses?"),
        T(
            "amara",
            "The alternative is guarantees with teeth, and that's exactly "
            "what nobody in Miami has offered yet.",
        ),
        T(
            "oksana",
            "Minsk was signed while shells were still falling on Debaltseve. I "
            "remember that week. Nobody should call it a model.",
        ),
    ),
    T(
        "sam",
        "Thanks for not sensationalising it. Most coverage this week has "
        "been breathless.",
    ),
    T(
        "jules",
        "France and Germany have been oddly quiet this week. Either "
        "they're being kept out, or they're keeping their powder dry for the "
        "detail. I'd bet on the second.",
        T(
            "hannah",
            "Berlin is in coalition trouble again. Quiet is the best it can manage.",
        ),
        T("diego", "Or Paris is happy to let Washington take the blame if it fails."),
    ),
    T(
        "amara",
        "Small correction: Dmitriev isn't a diplomat, he runs Russia's "
        "sovereign wealth fund. That tells you what Moscow thinks these talks are "
        "about, which is money.",
        T("priya", "Good catch, and a telling one."),
        T(
            "jules",
            "Investment and sanctions, yes. Whoever sends the fund manager "
            "is signalling what they want to discuss.",
        ),
    ),
    T(
        "diego",
        "Three paragraphs on 'future trends in conflict mediation' and "
        "not one number. How many mediated ceasefires hold past five years? That "
        "would have been worth including.",
        T(
            "lena",
            "The usual figure from the conflict research literature is "
            "that roughly half break down within a decade. It depends heavily on "
            "third-party guarantees.",
            T(
                "diego",
                "That's a more useful sentence than the whole section, honestly.",
            ),
        ),
    ),
    T(
        "hannah",
        "One thing I'd push back on: the article treats 'inclusive' as "
        "automatically good. More parties also means more vetoes.",
    ),
    T(
        "kwame",
        "It's worth remembering that most of the world isn't picking "
        "sides in this war the way Europe and America assume. Brazil, India, South "
        "Africa and Turkey will matter to whatever comes after a ceasefire.",
        T("ravi", "India especially, given how much Russian oil it has been buying."),
        T(
            "tomasz",
            "Turkey has been the most useful of those so far. The 2022 "
            "grain deal happened in Istanbul for a reason.",
        ),
    ),
    T(
        "oksana",
        "People outside keep talking about 'concessions' as if they were "
        "abstract. They're towns. Some of them are where my friends grew up.",
    ),
    T(
        "greg",
        "For what it's worth, polls in the US show most people want this "
        "over, whatever they think of Trump. That pressure is real and the "
        "envoys know it.",
    ),
    T(
        "ines",
        "I'd really like a follow-up on landmines. Whatever the deal, "
        "clearing the fields will take decades and it rarely makes the news.",
        T(
            "sam",
            "Seconded. My nephew works in demining, and he says Ukraine is "
            "now the most mined country in the world.",
        ),
    ),
    T(
        "priya",
        "Worth adding: any reconstruction fund will likely use the frozen "
        "Russian assets in Europe one way or another. That decision may end up "
        "shaping the settlement as much as the negotiators do.",
    ),
    T(
        "lena",
        "Interesting comparison in the piece to past summits, but it skips "
        "the Budapest Memorandum entirely. Ukraine has been given 'assurances' "
        "before, which is exactly why guarantees are the sticking point now.",
        T(
            "amara",
            "Assurances versus guarantees: the difference between those two "
            "words is the whole negotiation.",
        ),
        T("greg", "Budapest was 1994. The world has changed since then."),
        T("oksana", "It has, and we remember who kept their word and who didn't."),
        T(
            "sam",
            "I had to look the Budapest Memorandum up. Thank you, that explains "
            "why Kyiv won't accept promises on paper any more.",
        ),
    ),
    T(
        "maya",
        "Does anyone know whether the Nordic countries were represented "
        "in Miami at all? I couldn't find it anywhere.",
    ),
    T(
        "ravi",
        "I'm sceptical, but I'd rather read a careful piece like this than "
        "another hot take. Looking forward to the follow-up on the territorial "
        "question.",
        T("jules", "The territorial section is the strongest part, I thought."),
    ),
    T(
        "diego",
        "So the takeaway is: everyone's talking, nobody's agreed, and the "
        "sun is rising over Florida. Got it.",
    ),
    T(
        "sam",
        "The pro tip about reading official statements for what they leave "
        "out was useful. I tried it on the Kremlin readout and it works.",
    ),
    T(
        "jules",
        "I'll say something unpopular: Europe has spent three years "
        "asking for a seat at the table and almost no time deciding what it would "
        "say once it got there.",
        T("maya", "Unpopular but not wrong."),
        T(
            "tomasz",
            "Poland and the Baltics have been very clear about what they "
            "would say. It's the big western capitals that hedge.",
            T(
                "jules",
                "Fair. I should have said Paris and Berlin rather than 'Europe'.",
            ),
        ),
        T(
            "hannah",
            "To be fair, deciding anything at 27 is slow by design. That's "
            "the price of doing it together.",
        ),
    ),
    T(
        "priya",
        "Nobody has mentioned the economics of rebuilding. The World Bank "
        "estimate is over half a trillion dollars. Whoever funds that will have a "
        "say in what Ukraine looks like for a generation.",
        T(
            "ravi",
            "And insurers will decide how fast private money comes in. War "
            "risk cover is still eye-wateringly expensive.",
        ),
        T(
            "oksana",
            "People are already rebuilding without waiting. My aunt's "
            "street has new windows for the third time.",
        ),
    ),
    T(
        "kwame",
        "Whatever happens in Miami, I hope the follow-up talks to people "
        "in the front-line towns and not only to officials. They're the ones who "
        "will live with the line on the map.",
        T("ines", "Yes. And to the people who left and may not be able to go back."),
        T("tomasz", "That's the comment of the thread, as far as I'm concerned."),
    ),
    T(
        "diego",
        "Prediction: in six months we'll be reading 'talks stall over "
        "sequencing' and this article will look optimistic.",
        T(
            "hannah",
            "Possibly. But every deal that eventually happened went "
            "through a 'talks stall' phase first.",
        ),
        T(
            "greg",
            "Happy to bet you a coffee on it.",
            T("diego", "Deal. I hope I lose."),
        ),
    ),
    T(
        "hannah",
        "Update from the German press this morning: reports say the "
        "next round might move to Geneva. If so, that would say a lot about "
        "Europe's role.",
        T(
            "jules",
            "If it moves to Geneva, I'll take back what I said about "
            "France being quiet.",
        ),
        T("tomasz", "Geneva would be better. Fewer cameras, more lawyers."),
    ),
]
