"use strict";
/* The pages' own words in English and Swedish. The language is the one the user chose (kept in
   this browser), else the browser's. Static text carries data-i18n="key" (text),
   data-i18n-placeholder, data-i18n-label (aria-label) or data-i18n-title; scripts call t(key). */

const TEXTS = {
  en: {
    "nav.pages": "Pages", "nav.startup": "Startups", "nav.coach": "Coaches", "nav.openlab": "OpenLab",
    "nav.map": "Catalogue map", "nav.api": "API", "lang.switch": "Svenska", "lang.switch.label": "Byt till svenska",
    "site": "Stockholm innovation matchmaking",
    // startup page
    "startup.title": "Find partners and testbeds",
    "startup.intro": "Describe your project or innovation need in Swedish or English. You get companies and researchers to work with, and testbeds and labs you can use, each with the reason it was chosen.",
    "startup.need": "Your need",
    "startup.placeholder": "We develop an AI method to recycle lithium-ion batteries and need a pilot line",
    "startup.show": "Show", "kind.company.plural": "Companies", "kind.researcher.plural": "Researchers",
    "kind.lab.plural": "Testbeds and labs", "startup.conditions": "Conditions", "startup.area": "Priority area",
    "any": "any", "startup.sme": "Testbeds open to SMEs", "startup.trl": "Technology readiness level",
    "startup.exclude": "Exclude my company", "startup.exclude.hint": "Type your company's name and pick it; it will not be suggested to you.",
    "startup.exclude.none": "No company by that name in the catalogue.", "startup.excluded": "Excluded: {names}",
    "startup.unexclude": "Remove {name} from the exclusions",
    "startup.submit": "Find matches", "startup.copy": "Copy link to this search", "startup.copied": "Link copied.",
    "startup.copy.manual": "Copy this link:", "startup.empty": "Please describe your need first.",
    "startup.long": "Please shorten your need to {limit} characters.", "startup.searching": "Searching…",
    "startup.found": "{partners} partners and {testbeds} testbeds.",
    "startup.aspects": "What your need asks for", "startup.set": "A partner set that covers it together",
    "startup.set.hint": "These partners cover the parts of your need between them; each is shown once, here.",
    "startup.partners": "Partners", "startup.testbeds": "Testbeds and labs", "startup.more": "Show more",
    "startup.none": "No matches with these conditions.", "startup.notasked.partners": "Companies and researchers are not selected above.",
    "startup.notasked.testbeds": "Testbeds and labs are not selected above.",
    "startup.nostrong": "No strong match: nothing in the catalogue fits this need strongly. Say more about what the project does, the technology, and the kind of partner or testbed it needs; or loosen the conditions.",
    "startup.filtered": "{count} stronger {kind} left out by your conditions: {names}.",
    "kind.company": "company", "kind.researcher": "researcher", "kind.lab": "testbed or lab",
    "kind.company.many": "companies", "kind.researcher.many": "researchers", "kind.lab.many": "testbeds",
    "band.strong": "strong match", "band.possible": "possible match", "band.weak": "weak match",
    "fit": "fit {percent} %", "fit.title": "Estimated chance that this is a right match for the need",
    "facts.trl": "TRL {min}–{max}", "facts.sme": "open to SMEs", "facts.nosme": "not open to SMEs",
    "stage.startup": "startup", "stage.sme": "SME", "stage.large": "large company",
    "card.inset": "In the partner set", "card.aspect": "Covers: {aspect}", "card.terms": "Shared terms:",
    "card.meets": "Meets: {list}", "card.evidence": "Why it matched ({count})",
    "card.disciplines": "Disciplines: {list}",
    "why.covers": "Covers the {aspect} part of the need", "why.whole": "Fits the need as a whole",
    "why.brings": "brings {list}", "why.alongside": "alongside {list}", "why.shares": "Shares {list}",
    "why.adds": "Adds {list}", "why.seeks": "answers what it seeks: {seek}",
    // saved needs, challenges, introductions
    "nav.challenges": "Challenges",
    "save.button": "Save and alert me", "save.email": "E-mail for alerts (optional)",
    "save.submit": "Save this need", "save.done": "Saved. Keep this private link: it is the only way back to your need and its alerts.",
    "save.hint": "You get an alert when a new strong or possible match joins the catalogue.",
    "need.title": "Your saved need", "need.alerts": "New matches since you saved it",
    "need.none": "No new matches yet.", "need.run": "Search again now", "need.feed": "Atom feed of the alerts",
    "need.delete": "Delete this saved need", "need.deleted": "The saved need is deleted.",
    "need.missing": "No saved need here for this link.", "need.delivery": "{channel}: {status}",
    "challenges.title": "Open challenges",
    "challenges.intro": "Procurement challenges, OpenLab challenges and partner requests that are open now. Find one to answer, or publish your own.",
    "challenges.search": "Search the challenges", "challenges.none": "No open challenge matches.",
    "challenges.by": "{owner} · open until {deadline}", "challenges.find": "Find partners for it",
    "challenges.publish": "Publish a challenge", "challenges.name": "Title", "challenges.need": "What is needed?",
    "challenges.owner": "Your organisation", "challenges.deadline": "Open until",
    "challenges.submit": "Publish", "challenges.published": "Published. Keep this private link to change or remove it:",
    "challenges.count": "Open challenges: {count}.",
    "entity.challenges": "Open challenges that fit", "entity.intro": "Request an introduction",
    "intro.name": "Your name and organisation", "intro.contact": "Your e-mail", "intro.message": "Your message",
    "intro.submit": "Send the request", "intro.sent.email": "Sent to their public contact. Follow it here:",
    "intro.sent.operator": "An operator will pass it on; their contact details are never shown. Follow it here:",
    "intro.title": "Your introduction request", "intro.status.requested": "requested",
    "intro.status.forwarded": "forwarded", "intro.status.accepted": "accepted", "intro.status.declined": "declined",
    "intro.status": "Status: {status}", "intro.missing": "No introduction request here for this link.",
    // entity page
    "entity.loading": "Loading…", "entity.similar": "Similar", "entity.complements": "Complements it",
    "entity.back": "Back to your results", "entity.search": "Search the catalogue",
    "entity.missing": "There is no profile with this id in the catalogue (it may have been removed).",
    "entity.contact": "Contact:", "entity.web": "Website:", "entity.booking": "Booking and prices:",
    "entity.source.register": "Listed from a public register of research grants, with professional data only. Source: {source}.",
    "entity.source.self": "Source: the organisation's own catalogue entry.",
    "entity.updated": "Record updated {date}.", "entity.none": "None found.",
    "entity.capabilities": "Capabilities", "entity.offers": "Offers", "entity.seeks": "Seeks",
    "entity.expertise": "Expertise", "entity.publications": "Publications", "entity.projects": "Projects",
    "entity.access": "access {types} · {modes}",
    // coach page
    "coach.title": "Partner suggestions for a portfolio",
    "coach.intro": "Run every startup of a portfolio at once, mark suggestions good or bad (the rankings learn from it), keep a shortlist per startup with notes, and export it.",
    "coach.key": "API key (a coach's editor key: matcher keys create --name NAME --role editor)",
    "coach.key.use": "Use this key", "coach.key.saved": "Key saved for this browser tab until it is closed.",
    "coach.key.removed": "Key removed.", "coach.key.needed": "Portfolios are private: enter your API key above to see them.",
    "coach.new": "New portfolio", "coach.name": "Portfolio name", "coach.name.placeholder": "Spring cohort",
    "coach.startups": "Startups: pick a company from the catalogue by name, or describe the startup's need in a sentence",
    "coach.startup.label": "Startup {n}", "coach.add": "Add a startup", "coach.remove.row": "Remove this line",
    "coach.create": "Create portfolio", "coach.pick": "Portfolio", "coach.open": "Show suggestions",
    "coach.export.csv": "Download (CSV)", "coach.export.xlsx": "Download (Excel)",
    "coach.none": "Add at least one startup.", "coach.first": "Create a portfolio first.",
    "coach.unknown": "No company named “{text}”. Pick one from the list, or describe the need in a sentence (four words or more).",
    "coach.partly": "Startups added: {added}. Lines that need attention, marked below: {flagged}.",
    "coach.finding": "Finding partners for every startup…", "coach.ran": "{count} startups in {seconds} s.",
    "coach.caption": "Suggestions and shortlist per startup", "coach.col.startup": "Startup",
    "coach.col.suggestions": "Suggestions", "coach.col.testbeds": "Testbeds", "coach.col.shortlist": "Shortlist",
    "coach.good": "Good", "coach.bad": "Bad", "coach.keep": "Shortlist", "coach.good.label": "Good suggestion: {name}",
    "coach.bad.label": "Bad suggestion: {name}", "coach.keep.label": "Shortlist {name}",
    "coach.kept": "on the shortlist", "coach.empty": "empty", "coach.note": "Note on {name}",
    "coach.save": "Save note", "coach.saved": "Note saved.", "coach.remove": "Remove",
    "coach.remove.label": "Remove {name} from the shortlist", "coach.portfolio.option": "{name} ({count} startups)",
    // OpenLab page
    "openlab.title": "Form OpenLab teams",
    "openlab.intro": "Write the challenges, choose the pool of participants, set the rules, and get balanced interdisciplinary teams.",
    "openlab.example": "Fill in the example", "openlab.challenges": "Challenges",
    "openlab.challenge.id": "Short name", "openlab.challenge.text": "What is the challenge about?",
    "openlab.challenge.skills": "Skills the team needs (comma-separated)", "openlab.challenge.add": "Add a challenge",
    "openlab.challenge.remove": "Remove this challenge", "openlab.challenge.n": "Challenge {n}",
    "openlab.pool": "Pool of participants", "openlab.pool.catalogue": "Researchers from the catalogue",
    "openlab.pool.area": "Only this priority area", "openlab.pool.csv": "Upload a CSV file",
    "openlab.pool.csv.hint": "Columns: id, name, organisation, description, skills, disciplines (lists separated by ;).",
    "openlab.pool.example": "The example pool", "openlab.rules": "Rules", "openlab.min": "Smallest team",
    "openlab.max": "Largest team", "openlab.share": "Largest share from one organisation",
    "openlab.disciplines": "Disciplines per team at least", "openlab.submit": "Form teams",
    "openlab.forming": "Forming teams…", "openlab.filled": "Example filled in.",
    "openlab.optimal": "Every team is as good as it can be under these rules.",
    "openlab.feasible": "These teams are within {gap} % of the best possible under these rules.",
    "openlab.feasible.nogap": "Valid teams under these rules; the best possible was not proven in the time given.",
    "openlab.greedy": "Valid teams found quickly; they are good but not proven the best possible.",
    "openlab.summary": "{teams} teams in {seconds} s.", "openlab.chart": "People per discipline in each team",
    "openlab.chart.caption": "Each person counted once, under their first discipline.",
    "openlab.teams": "Teams", "openlab.notplaced": "Not placed ({count})",
    "openlab.team.meta": "{people} people · {orgs} organisations · {disciplines} disciplines",
    "openlab.covered": "Skills covered: {list}", "openlab.missing": "Skills missing: {list}",
    "openlab.err.challenge": "Challenge {n}: give it a short name and describe it.",
    "openlab.err.duplicate": "Two challenges have the short name “{id}”.",
    "openlab.err.sizes": "The smallest team is larger than the largest team.",
    "openlab.err.pool": "Choose a pool: the catalogue, a CSV file or the example.",
    "openlab.err.csv": "The CSV file: {message}", "openlab.err.csv.columns": "it needs the columns id, name, organisation and description",
    "openlab.err.csv.empty": "it has no participants",
    "openlab.err.empty": "Nobody is in the pool: no researcher in the catalogue has this priority area. Choose another area, “any”, or a CSV file.",
    "openlab.other": "other",
    // map page
    "map.title": "The ecosystem at a glance",
    "map.intro": "Every company, lab and researcher placed by what their texts are about: neighbours work on similar things. Colours are priority areas; shapes are kinds. Tap a point to see what it is.",
    "map.search": "Find on the map", "map.search.placeholder": "a name, e.g. battery", "map.kinds": "Show",
    "map.area": "Priority area", "map.drawing": "Drawing the map…", "map.caption": "{count} entities laid out on their text embeddings ({method}). ● researcher ▲ company ■ lab",
    "map.matches": "Matching entities ({count})", "map.open": "Open the profile", "map.shown": "{shown} of {count} entities shown.",
    "map.label": "Map of {count} entities", "map.zoomin": "Zoom in", "map.zoomout": "Zoom out",
    "area.life-science-health": "Life science and health", "area.ict-digital": "ICT and digitalisation",
    "area.sustainable-production": "Sustainable production", "area.climate-urban": "Climate and urban development",
    "area.medtech": "Medtech", "area.cleantech": "Cleantech", "area.creative-industries": "Creative industries",
    "area.none": "No area given",
  },
  sv: {
    "nav.pages": "Sidor", "nav.startup": "Startups", "nav.coach": "Coacher", "nav.openlab": "OpenLab",
    "nav.map": "Katalogkarta", "nav.api": "API", "lang.switch": "English", "lang.switch.label": "Switch to English",
    "site": "Stockholms innovationsmatchning",
    "startup.title": "Hitta partner och testbäddar",
    "startup.intro": "Beskriv ditt projekt eller innovationsbehov på svenska eller engelska. Du får företag och forskare att samarbeta med, och testbäddar och labb du kan använda, var och en med skälet till att den valdes.",
    "startup.need": "Ditt behov",
    "startup.placeholder": "Vi utvecklar en AI-baserad metod för att återvinna litiumjonbatterier och behöver en testbädd",
    "startup.show": "Visa", "kind.company.plural": "Företag", "kind.researcher.plural": "Forskare",
    "kind.lab.plural": "Testbäddar och labb", "startup.conditions": "Villkor", "startup.area": "Prioriterat område",
    "any": "alla", "startup.sme": "Testbäddar öppna för små och medelstora företag", "startup.trl": "Teknisk mognadsnivå (TRL)",
    "startup.exclude": "Uteslut mitt företag", "startup.exclude.hint": "Skriv ditt företags namn och välj det; det föreslås inte för dig.",
    "startup.exclude.none": "Inget företag med det namnet i katalogen.", "startup.excluded": "Uteslutna: {names}",
    "startup.unexclude": "Ta bort {name} från de uteslutna",
    "startup.submit": "Hitta matchningar", "startup.copy": "Kopiera länk till sökningen", "startup.copied": "Länken är kopierad.",
    "startup.copy.manual": "Kopiera länken:", "startup.empty": "Beskriv ditt behov först.",
    "startup.long": "Korta ditt behov till {limit} tecken.", "startup.searching": "Söker…",
    "startup.found": "{partners} partner och {testbeds} testbäddar.",
    "startup.aspects": "Det här efterfrågar ditt behov", "startup.set": "En partneruppsättning som täcker det tillsammans",
    "startup.set.hint": "De här partnerna täcker delarna av ditt behov tillsammans; var och en visas en gång, här.",
    "startup.partners": "Partner", "startup.testbeds": "Testbäddar och labb", "startup.more": "Visa fler",
    "startup.none": "Inga matchningar med de här villkoren.", "startup.notasked.partners": "Företag och forskare är inte valda ovan.",
    "startup.notasked.testbeds": "Testbäddar och labb är inte valda ovan.",
    "startup.nostrong": "Ingen stark matchning: inget i katalogen passar det här behovet starkt. Berätta mer om vad projektet gör, tekniken och vilken sorts partner eller testbädd det behöver; eller lätta på villkoren.",
    "startup.filtered": "{count} starkare {kind} utelämnades av dina villkor: {names}.",
    "kind.company": "företag", "kind.researcher": "forskare", "kind.lab": "testbädd eller labb",
    "kind.company.many": "företag", "kind.researcher.many": "forskare", "kind.lab.many": "testbäddar",
    "band.strong": "stark matchning", "band.possible": "möjlig matchning", "band.weak": "svag matchning",
    "fit": "passar {percent} %", "fit.title": "Uppskattad chans att detta är en rätt matchning för behovet",
    "facts.trl": "TRL {min}–{max}", "facts.sme": "öppen för små och medelstora företag", "facts.nosme": "inte öppen för små och medelstora företag",
    "stage.startup": "startup", "stage.sme": "litet eller medelstort företag", "stage.large": "storföretag",
    "card.inset": "I partneruppsättningen", "card.aspect": "Täcker: {aspect}", "card.terms": "Gemensamma ord:",
    "card.meets": "Uppfyller: {list}", "card.evidence": "Varför den matchade ({count})",
    "card.disciplines": "Discipliner: {list}",
    "why.covers": "Täcker delen {aspect} av behovet", "why.whole": "Passar behovet som helhet",
    "why.brings": "tillför {list}", "why.alongside": "tillsammans med {list}", "why.shares": "Delar {list}",
    "why.adds": "Tillför {list}", "why.seeks": "svarar mot det som efterfrågas: {seek}",
    "nav.challenges": "Utmaningar",
    "save.button": "Spara och meddela mig", "save.email": "E-post för aviseringar (valfritt)",
    "save.submit": "Spara behovet", "save.done": "Sparat. Behåll den här privata länken: den är enda vägen tillbaka till ditt behov och dess aviseringar.",
    "save.hint": "Du får en avisering när en ny stark eller möjlig matchning kommer in i katalogen.",
    "need.title": "Ditt sparade behov", "need.alerts": "Nya matchningar sedan du sparade",
    "need.none": "Inga nya matchningar än.", "need.run": "Sök igen nu", "need.feed": "Atom-flöde med aviseringarna",
    "need.delete": "Ta bort det sparade behovet", "need.deleted": "Det sparade behovet är borttaget.",
    "need.missing": "Inget sparat behov här för den här länken.", "need.delivery": "{channel}: {status}",
    "challenges.title": "Öppna utmaningar",
    "challenges.intro": "Upphandlingsutmaningar, OpenLab-utmaningar och partnerförfrågningar som är öppna nu. Hitta en att svara på, eller publicera din egen.",
    "challenges.search": "Sök bland utmaningarna", "challenges.none": "Ingen öppen utmaning matchar.",
    "challenges.by": "{owner} · öppen till {deadline}", "challenges.find": "Hitta partner för den",
    "challenges.publish": "Publicera en utmaning", "challenges.name": "Rubrik", "challenges.need": "Vad behövs?",
    "challenges.owner": "Din organisation", "challenges.deadline": "Öppen till",
    "challenges.submit": "Publicera", "challenges.published": "Publicerad. Behåll den här privata länken för att ändra eller ta bort den:",
    "challenges.count": "Öppna utmaningar: {count}.",
    "entity.challenges": "Öppna utmaningar som passar", "entity.intro": "Be om en introduktion",
    "intro.name": "Ditt namn och din organisation", "intro.contact": "Din e-post", "intro.message": "Ditt meddelande",
    "intro.submit": "Skicka förfrågan", "intro.sent.email": "Skickad till deras offentliga kontakt. Följ den här:",
    "intro.sent.operator": "En operatör för den vidare; deras kontaktuppgifter visas aldrig. Följ den här:",
    "intro.title": "Din introduktionsförfrågan", "intro.status.requested": "begärd",
    "intro.status.forwarded": "vidarebefordrad", "intro.status.accepted": "accepterad", "intro.status.declined": "avböjd",
    "intro.status": "Status: {status}", "intro.missing": "Ingen introduktionsförfrågan här för den här länken.",
    "entity.loading": "Laddar…", "entity.similar": "Liknande", "entity.complements": "Kompletterar",
    "entity.back": "Tillbaka till dina resultat", "entity.search": "Sök i katalogen",
    "entity.missing": "Det finns ingen profil med det här id:t i katalogen (den kan ha tagits bort).",
    "entity.contact": "Kontakt:", "entity.web": "Webbplats:", "entity.booking": "Bokning och priser:",
    "entity.source.register": "Listad från ett offentligt register över forskningsbidrag, endast med yrkesuppgifter. Källa: {source}.",
    "entity.source.self": "Källa: organisationens egen katalogpost.",
    "entity.updated": "Posten uppdaterad {date}.", "entity.none": "Inga hittades.",
    "entity.capabilities": "Förmågor", "entity.offers": "Erbjuder", "entity.seeks": "Söker",
    "entity.expertise": "Expertis", "entity.publications": "Publikationer", "entity.projects": "Projekt",
    "entity.access": "åtkomst {types} · {modes}",
    "coach.title": "Partnerförslag för en portfölj",
    "coach.intro": "Kör alla startups i en portfölj på en gång, markera förslag som bra eller dåliga (rankningen lär sig av det), håll en kortlista per startup med anteckningar och exportera den.",
    "coach.key": "API-nyckel (en coachs redaktörsnyckel: matcher keys create --name NAMN --role editor)",
    "coach.key.use": "Använd nyckeln", "coach.key.saved": "Nyckeln sparas i den här fliken tills den stängs.",
    "coach.key.removed": "Nyckeln är borttagen.", "coach.key.needed": "Portföljer är privata: ange din API-nyckel ovan för att se dem.",
    "coach.new": "Ny portfölj", "coach.name": "Portföljens namn", "coach.name.placeholder": "Vårens kull",
    "coach.startups": "Startups: välj ett företag i katalogen med namn, eller beskriv startupens behov i en mening",
    "coach.startup.label": "Startup {n}", "coach.add": "Lägg till en startup", "coach.remove.row": "Ta bort raden",
    "coach.create": "Skapa portfölj", "coach.pick": "Portfölj", "coach.open": "Visa förslag",
    "coach.export.csv": "Ladda ner (CSV)", "coach.export.xlsx": "Ladda ner (Excel)",
    "coach.none": "Lägg till minst en startup.", "coach.first": "Skapa en portfölj först.",
    "coach.unknown": "Inget företag heter ”{text}”. Välj ett i listan, eller beskriv behovet i en mening (minst fyra ord).",
    "coach.partly": "Tillagda startups: {added}. Rader som behöver åtgärdas, markerade nedan: {flagged}.",
    "coach.finding": "Söker partner för varje startup…", "coach.ran": "{count} startups på {seconds} s.",
    "coach.caption": "Förslag och kortlista per startup", "coach.col.startup": "Startup",
    "coach.col.suggestions": "Förslag", "coach.col.testbeds": "Testbäddar", "coach.col.shortlist": "Kortlista",
    "coach.good": "Bra", "coach.bad": "Dålig", "coach.keep": "Kortlista", "coach.good.label": "Bra förslag: {name}",
    "coach.bad.label": "Dåligt förslag: {name}", "coach.keep.label": "Sätt {name} på kortlistan",
    "coach.kept": "på kortlistan", "coach.empty": "tom", "coach.note": "Anteckning om {name}",
    "coach.save": "Spara anteckning", "coach.saved": "Anteckningen är sparad.", "coach.remove": "Ta bort",
    "coach.remove.label": "Ta bort {name} från kortlistan", "coach.portfolio.option": "{name} ({count} startups)",
    "openlab.title": "Bilda OpenLab-team",
    "openlab.intro": "Skriv utmaningarna, välj deltagarna, sätt reglerna och få balanserade tvärvetenskapliga team.",
    "openlab.example": "Fyll i exemplet", "openlab.challenges": "Utmaningar",
    "openlab.challenge.id": "Kort namn", "openlab.challenge.text": "Vad handlar utmaningen om?",
    "openlab.challenge.skills": "Färdigheter teamet behöver (kommaseparerade)", "openlab.challenge.add": "Lägg till en utmaning",
    "openlab.challenge.remove": "Ta bort utmaningen", "openlab.challenge.n": "Utmaning {n}",
    "openlab.pool": "Deltagare", "openlab.pool.catalogue": "Forskare från katalogen",
    "openlab.pool.area": "Bara det här prioriterade området", "openlab.pool.csv": "Ladda upp en CSV-fil",
    "openlab.pool.csv.hint": "Kolumner: id, name, organisation, description, skills, disciplines (listor åtskilda med ;).",
    "openlab.pool.example": "Exemplets deltagare", "openlab.rules": "Regler", "openlab.min": "Minsta team",
    "openlab.max": "Största team", "openlab.share": "Största andel från en organisation",
    "openlab.disciplines": "Minst antal discipliner per team", "openlab.submit": "Bilda team",
    "openlab.forming": "Bildar team…", "openlab.filled": "Exemplet är ifyllt.",
    "openlab.optimal": "Varje team är så bra det kan bli med de här reglerna.",
    "openlab.feasible": "De här teamen ligger inom {gap} % från det bästa möjliga med de här reglerna.",
    "openlab.feasible.nogap": "Giltiga team med de här reglerna; det bästa möjliga hann inte bevisas.",
    "openlab.greedy": "Giltiga team som hittades snabbt; de är bra men inte bevisat bäst.",
    "openlab.summary": "{teams} team på {seconds} s.", "openlab.chart": "Personer per disciplin i varje team",
    "openlab.chart.caption": "Varje person räknas en gång, under sin första disciplin.",
    "openlab.teams": "Team", "openlab.notplaced": "Inte placerade ({count})",
    "openlab.team.meta": "{people} personer · {orgs} organisationer · {disciplines} discipliner",
    "openlab.covered": "Färdigheter som täcks: {list}", "openlab.missing": "Färdigheter som saknas: {list}",
    "openlab.err.challenge": "Utmaning {n}: ge den ett kort namn och beskriv den.",
    "openlab.err.duplicate": "Två utmaningar har det korta namnet ”{id}”.",
    "openlab.err.sizes": "Minsta team är större än största team.",
    "openlab.err.pool": "Välj deltagare: katalogen, en CSV-fil eller exemplet.",
    "openlab.err.csv": "CSV-filen: {message}", "openlab.err.csv.columns": "den behöver kolumnerna id, name, organisation och description",
    "openlab.err.csv.empty": "den har inga deltagare",
    "openlab.err.empty": "Ingen deltagare: ingen forskare i katalogen har det här prioriterade området. Välj ett annat område, ”alla” eller en CSV-fil.",
    "openlab.other": "övrigt",
    "map.title": "Ekosystemet i en överblick",
    "map.intro": "Varje företag, labb och forskare placerade efter vad deras texter handlar om: grannar arbetar med liknande saker. Färger är prioriterade områden; former är slag. Tryck på en punkt för att se vad den är.",
    "map.search": "Hitta på kartan", "map.search.placeholder": "ett namn, t.ex. batteri", "map.kinds": "Visa",
    "map.area": "Prioriterat område", "map.drawing": "Ritar kartan…", "map.caption": "{count} aktörer placerade efter sina textinbäddningar ({method}). ● forskare ▲ företag ■ labb",
    "map.matches": "Matchande aktörer ({count})", "map.open": "Öppna profilen", "map.shown": "{shown} av {count} aktörer visas.",
    "map.label": "Karta över {count} aktörer", "map.zoomin": "Zooma in", "map.zoomout": "Zooma ut",
    "area.life-science-health": "Life science och hälsa", "area.ict-digital": "IKT och digitalisering",
    "area.sustainable-production": "Hållbar produktion", "area.climate-urban": "Klimat och stadsutveckling",
    "area.medtech": "Medicinteknik", "area.cleantech": "Miljöteknik", "area.creative-industries": "Kulturella och kreativa näringar",
    "area.none": "Inget område angivet",
  },
};

const LANG_KEY = "matcher-ui-lang";
let chosenLang = null; // this page's choice, where the browser keeps no storage

/* The interface language: the one chosen in this browser, else the browser's own. */
function uiLang() {
  if (chosenLang) return chosenLang;
  try {
    const chosen = window.localStorage.getItem(LANG_KEY);
    if (chosen === "sv" || chosen === "en") return chosen;
  } catch (error) { /* storage switched off */ }
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
  return wanted.some((l) => /^(sv|se)\b/i.test(l)) ? "sv" : "en";
}

function t(key, vars) {
  const table = TEXTS[uiLang()] || TEXTS.en;
  const text = key in table ? table[key] : (TEXTS.en[key] || key);
  return text.replace(/\{(\w+)\}/g, (whole, name) => (vars && name in vars ? String(vars[name]) : whole));
}

/* Apply the language to the page's static text, its lang attribute and its title. */
function translatePage() {
  document.documentElement.lang = uiLang();
  for (const element of document.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
  for (const [attribute, name] of [["i18nPlaceholder", "placeholder"], ["i18nLabel", "aria-label"], ["i18nTitle", "title"]]) {
    for (const element of document.querySelectorAll(`[data-${attribute.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}]`)) {
      element.setAttribute(name, t(element.dataset[attribute]));
    }
  }
  if (typeof fillAreas === "function") fillAreas();
  const title = document.querySelector("h1[data-i18n]");
  if (title && !document.body.dataset.keepTitle) document.title = `${title.textContent} – ${t("site")}`;
  const toggle = document.getElementById("ui-lang");
  if (toggle) {
    toggle.textContent = t("lang.switch");
    toggle.setAttribute("lang", uiLang() === "sv" ? "en" : "sv");
    toggle.setAttribute("aria-label", t("lang.switch.label"));
  }
}

/* The language switch in the page's navigation; pages listen for "uilang" to redraw. */
function setupLanguage() {
  const nav = document.querySelector("nav");
  if (nav && !document.getElementById("ui-lang")) {
    nav.append(h("button", { type: "button", id: "ui-lang", class: "link-button" }));
    document.getElementById("ui-lang").addEventListener("click", () => {
      chosenLang = uiLang() === "sv" ? "en" : "sv";
      try { window.localStorage.setItem(LANG_KEY, chosenLang); } catch (error) { /* not kept */ }
      translatePage();
      document.dispatchEvent(new Event("uilang"));
    });
  }
  translatePage();
}
