"""Words for demo people: names, places, jobs, bio sentences and hobbies.

``HOBBIES`` runs from the most to the least common; kindred_demo.py draws
from it with weights falling with rank, so a few interests are everywhere
and most are rare, as among real people (and as the ranking expects).
"""

from __future__ import annotations

FIRST_NAMES = """
Ada Aiko Akosua Alejandro Aleksander Amara Amelia Ana Anders Andrés Anika Arjun Astrid Aylin
Beatriz Ben Bilal Björn Camila Carmen Chen Chiara Chloé Dara Daniel Dmitri Ebere Elena Elif
Emeka Emil Emma Esther Farah Fatima Felipe Freya Gabriel Greta Hamid Hana Hannah Hugo Ibrahim
Ines Ingrid Isaac Ivan Jamal Jana Javier Jonas Joon Julia Kai Kalani Karim Kasia Kenji Kwame
Laila Lars Layla Leo Lina Lucas Lucía Luis Maja Malik Mara Marco Maria Mateo Mei Mia Mihai Mina
Moana Nadia Nia Nikhil Nils Noa Noah Nora Oksana Olu Omar Oscar Paolo Pedro Priya Rafael Ravi
Rin Rosa Ruth Saanvi Sami Sara Sebastián Selin Sina Sofia Soren Tariq Teodora Thabo Tomás Uma
Valentina Vikram Wanjiru Yara Yasmin Yuki Yusuf Zainab Zara Zoe
""".split()

LAST_NAMES = """
Abebe Adeyemi Ahmed Alvarez Andersen Bakker Banerjee Becker Bianchi Boateng Costa Cruz Dahl
Dubois Eriksson Esposito Fernandes Fischer Fujita García Gomes Haddad Hansen Hoffmann Horvat
Ivanova Jensen Jovanović Kahale Kamau Kang Kaplan Kim Kowalski Kumar Larsen Lee Lindqvist Lopez
Mahlangu Martin Mensah Moreau Müller Murphy Nakamura Naidoo Nguyen Nielsen Novak Nowak O'Brien
Okafor Okonkwo Olsen Owusu Park Patel Pereira Petrov Popescu Quispe Rahman Reyes Ricci Rossi
Said Santos Sato Schmidt Silva Singh Smith Sokolov Suzuki Tan Tanaka Taylor Teo Torres Tran
Vargas Visser Wagner Walsh Wang Weber Wilson Wong Yamamoto Yilmaz Zhang Zhou Zielinski
""".split()

PLACES = [
    "Accra",
    "Amsterdam",
    "Athens",
    "Auckland",
    "Austin",
    "Bangalore",
    "Barcelona",
    "Belgrade",
    "Berlin",
    "Bogotá",
    "Bristol",
    "Brno",
    "Buenos Aires",
    "Cape Town",
    "Copenhagen",
    "Dublin",
    "Edinburgh",
    "Gdańsk",
    "Glasgow",
    "Hamburg",
    "Helsinki",
    "Istanbul",
    "Kraków",
    "Kyoto",
    "Lagos",
    "Leeds",
    "Lima",
    "Lisbon",
    "Lyon",
    "Madrid",
    "Manchester",
    "Melbourne",
    "Montréal",
    "Nairobi",
    "Naples",
    "Oslo",
    "Porto",
    "Prague",
    "Quito",
    "Reykjavík",
    "Rotterdam",
    "Seoul",
    "Seville",
    "Singapore",
    "Tallinn",
    "Toronto",
    "Utrecht",
    "Valencia",
    "Vienna",
    "Vilnius",
    "Wellington",
    "Zagreb",
    "Zürich",
]

JOBS = [
    "nurse",
    "carpenter",
    "software developer",
    "teacher",
    "bus driver",
    "pharmacist",
    "graphic designer",
    "student",
    "retired engineer",
    "baker",
    "librarian",
    "physiotherapist",
    "data analyst",
    "chef",
    "electrician",
    "translator",
    "social worker",
    "architect",
    "vet",
    "barista",
    "accountant",
    "gardener",
    "paramedic",
    "journalist",
    "midwife",
    "civil servant",
    "sound engineer",
    "shop owner",
    "researcher",
    "lab technician",
]

# {job}, {place}, {a} and {b} (two of the person's interests) are filled in;
# capitalised names ({Job}, {A}) start a sentence.
BIO_TEMPLATES = [
    "{Job} in {place}. Big on {a}, slowly getting better at {b}.",
    "{place}-based {job}. Ask me about {a}; I will also talk about {b} for hours.",
    "Weekends are for {a}. Weekdays I am a {job} in {place}.",
    "New to {place} and looking for people into {a} or {b}.",
    "{Job} by day. {A} by night, {b} when it rains.",
    "Lifelong fan of {a}. Recently picked up {b} and I am terrible at it.",
    "I moved to {place} for work ({job}) and stayed for the {a}.",
    "Looking for a {a} buddy in {place}. Bonus points if you like {b}.",
    "Quiet {job}, loud about {a}.",
    "Trying one new thing a month. This month: {b}. Every month: {a}.",
]

HOBBIES = """
reading|cooking|hiking|music|photography|travel|running|movies|gaming|yoga|
baking|gardening|cycling|board games|coffee|podcasts|swimming|drawing|writing|dogs|
cats|camping|painting|dancing|video games|tv series|football|guitar|fitness|meditation|
chess|singing|languages|piano|knitting|rock climbing|museums|jazz|anime|poetry|
volunteering|fishing|tennis|wine tasting|basketball|skiing|surfing|history|science fiction|concerts|
crafts|fashion|sewing|astronomy|theatre|pilates|birdwatching|tabletop rpgs|coding|comics|
vegan cooking|sailing|skateboarding|weightlifting|boxing|martial arts|calligraphy|pottery|crochet|origami|
puzzles|karaoke|stand-up comedy|film photography|interior design|mountain biking|bouldering|trail running|marathons|triathlon|
volleyball|badminton|table tennis|golf|baseball|cricket|rugby|ice skating|snowboarding|kayaking|
canoeing|scuba diving|freediving|paddleboarding|open water swimming|horse riding|archery|fencing|bowling|darts|
billiards|crossword puzzles|sudoku|jigsaw puzzles|escape rooms|trivia nights|magic tricks|juggling|drumming|bass guitar|
violin|cello|ukulele|saxophone|trumpet|harmonica|choir|opera|classical music|electronic music|
djing|music production|songwriting|vinyl records|hip hop|punk rock|metal|folk music|k-pop|salsa|
tango|swing dancing|ballet|contemporary dance|breakdancing|bachata|belly dancing|flamenco|tap dancing|pole fitness|
aerial silks|acrobatics|parkour|slacklining|frisbee|disc golf|geocaching|orienteering|foraging|mushroom hunting|
beekeeping|permaculture|composting|houseplants|bonsai|succulents|urban gardening|flower arranging|wildlife photography|macro photography|
street photography|drone flying|filmmaking|video editing|animation|3d printing|electronics|robotics|arduino|raspberry pi|
ham radio|woodworking|furniture restoration|upholstery|blacksmithing|leatherworking|jewelry making|glassblowing|stained glass|candle making|
soap making|embroidery|cross-stitch|quilting|weaving|spinning yarn|macrame|felting|bookbinding|paper making|
screen printing|linocut|watercolour|oil painting|acrylic painting|sketching|urban sketching|life drawing|sculpture|graffiti|
tattoo art|digital art|pixel art|comic writing|fan fiction|journaling|blogging|creative writing|screenwriting|book clubs|
philosophy|psychology|economics|politics|mythology|genealogy|archaeology|local history|military history|architecture|
urbanism|public transport|trains|aviation|plane spotting|cars|classic cars|motorcycles|karting|formula 1|
sim racing|esports|speedrunning|retro gaming|minecraft|dungeons & dragons|warhammer|miniature painting|model trains|model building|
lego|card games|magic: the gathering|pokémon|go (board game)|bridge (card game)|poker|backgammon|mahjong|shogi|
rubik's cube|lockpicking|cryptography|mathematics|physics|chemistry|biology|neuroscience|space exploration|stargazing|
meteorology|geology|rock collecting|fossil hunting|coin collecting|stamp collecting|antiques|thrifting|vintage fashion|sneakers|
perfume|skincare|makeup|hairdressing|barbering|nail art|cocktails|craft beer|homebrewing|mead making|
kombucha|fermentation|bread baking|sourdough|cheese making|barbecue|sushi|ramen|street food|food markets|
tea ceremonies|specialty coffee|latte art|chocolate making|cake decorating|pastry|indian cooking|thai cooking|mexican cooking|italian cooking|
vegetarian cooking|foraged food|fishing flies|spearfishing|hunting|bushcraft|survival skills|van life|backpacking|couchsurfing|
road trips|interrailing|cruises|solo travel|language exchange|sign language|esperanto|japanese|spanish|mandarin|
french|german|arabic|portuguese|korean|italian|swahili|latin|tutoring|mentoring|
public speaking|debating|improv|acting|musicals|puppetry|circus skills|fire spinning|hula hooping|roller skating|
inline skating|bmx|unicycling|rowing|dragon boating|water polo|synchronised swimming|diving|handball|netball|
lacrosse|ultimate frisbee|hockey|curling|cross-country skiing|ski touring|mountaineering|ice climbing|via ferrata|caving|
canyoning|paragliding|skydiving|bungee jumping|hot air ballooning|kitesurfing|windsurfing|wakeboarding|bodyboarding|snorkelling
""".replace("\n", "").split("|")
