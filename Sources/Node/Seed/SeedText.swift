import Foundation

/// A small deterministic random source (SplitMix64): the same seed gives the
/// same sequence on every machine and every run, unlike the system generator.
struct SeedRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound`.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// A number in `range`.
    mutating func within(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    /// A number in `0..<1`.
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }

    /// An index into `count` values where low indexes are much more likely,
    /// roughly as word frequencies in real text fall off.
    mutating func skewed(_ count: Int) -> Int { min(count - 1, Int(Double(count) * pow(unit(), 2.2))) }
}

/// Words and names for generated data: Dutch public-sector text, so that
/// full-text search on a seeded node has frequent, common and rare terms.
enum SeedText {
    static let firstNames = [
        "anna", "bram", "carla", "daan", "eva", "femke", "gert", "hanneke", "ivo", "jasper", "karin", "lars", "marieke",
        "niels", "olga", "pieter", "queenie", "rob", "sanne", "thijs", "ursula", "vincent", "wendy", "xander", "yara",
        "zeger", "ahmed", "bas", "chantal", "dewi", "emre", "fleur", "gijs", "hatice", "inge", "joost", "kees", "lotte",
        "mohamed", "noor", "oscar", "petra", "ruben", "sophie", "tim", "vera", "willem", "yusuf", "anouk", "bart",
    ]
    static let lastNames = [
        "jansen", "de vries", "van den berg", "bakker", "visser", "smit", "meijer", "de boer", "mulder", "de groot",
        "bos", "vos", "peters", "hendriks", "van leeuwen", "dekker", "brouwer", "de wit", "dijkstra", "smits", "de graaf",
        "van der meer", "van der linden", "kok", "jacobs", "de haan", "vermeulen", "van dijk", "schouten", "willems",
        "hoekstra", "koster", "prins", "postma", "kuipers", "veenstra", "yilmaz", "el amrani", "wouters", "huisman",
    ]
    static let organisations = [
        "Ministerie van Binnenlandse Zaken", "Ministerie van Infrastructuur en Waterstaat", "Gemeente Utrecht",
        "Gemeente Amsterdam", "Gemeente Groningen", "Gemeente Zwolle", "Gemeente Eindhoven", "Provincie Gelderland",
        "Provincie Fryslân", "Waterschap Rivierenland", "Waterschap Zuiderzeeland", "Rijkswaterstaat", "Belastingdienst",
        "Kadaster", "RIVM", "Veiligheidsregio Haaglanden", "GGD Hollands Noorden", "Logius", "DUO", "UWV",
    ]
    static let jobTitles = [
        "beleidsmedewerker", "projectleider", "adviseur", "programmamanager", "communicatieadviseur", "jurist",
        "data-analist", "teamleider", "informatiemanager", "ontwikkelaar", "secretaris", "toezichthouder",
        "omgevingsmanager", "onderzoeker", "architect", "griffier", "wethouder", "ambtenaar burgerzaken",
    ]
    static let topics = [
        "Klimaatadaptatie", "Omgevingswet", "Energietransitie", "Digitale overheid", "Woningbouw", "Mobiliteit",
        "Jeugdzorg", "Participatie", "Open data", "Informatiebeveiliging", "Waterveiligheid", "Circulaire economie",
        "Arbeidsmarkt", "Inburgering", "Stikstof", "Erfgoed", "Armoedebeleid", "Dienstverlening", "Archivering",
        "Cybersecurity", "Natuurbeheer", "Zorg en welzijn", "Onderwijs", "Laadpalen", "Warmtenet",
    ]
    static let places = [
        "Utrecht", "Noord-Holland", "Twente", "Zeeland", "Limburg", "Drenthe", "Rotterdam", "Den Haag", "Friesland",
        "Brabant", "Flevoland", "Achterhoek", "Veluwe", "Rivierenland", "Groningen", "Amstelland", "Westland", "landelijk",
    ]
    static let tags = ["beleid", "uitvoering", "kennisdeling", "pilot", "regio", "wetgeving", "innovatie", "data", "netwerk", "samenwerking"]

    /// Words for bodies, most frequent first (see ``SeedRandom/skewed(_:)``).
    static let words: [String] = """
        de het een en van in op voor met is dat te zijn niet we ook om bij aan als er dit wordt deze nog
        gemeente project plan overleg vraag burgers afspraak team besluit week ervaring voorstel regio rapport
        beleid uitvoering subsidie document vergadering planning begroting raad provincie ministerie inwoners
        advies evaluatie onderzoek wetgeving samenwerking netwerk werkgroep agenda notulen concept versie
        bijeenkomst presentatie workshop webinar pilot aanbesteding contract leverancier applicatie systeem
        gegevens privacy beveiliging toegang account inlog formulier aanvraag vergunning melding klacht bezwaar
        woning huurders bouwproject bestemmingsplan omgevingsvisie omgevingsplan participatie buurt wijk dorp
        fiets verkeer parkeren laadpaal openbaar vervoer bus trein station snelweg dijk rivier polder gemaal
        water droogte hittestress regenwater riolering groen bomen natuur biodiversiteit stikstof landbouw
        energie zonnepanelen windmolens warmtepomp isolatie warmtenet aardgasvrij duurzaamheid circulair afval
        jeugd onderwijs school zorg welzijn mantelzorg ouderen vrijwilligers sport cultuur museum bibliotheek
        archief erfgoed monument digitalisering dienstverlening loket website app chatbot algoritme data
        dashboard indicator meting resultaat doelstelling kosten baten risico kans planning mijlpaal fase
        opdrachtgever stuurgroep portefeuillehouder wethouder burgemeester griffie commissie statenleden
        waterschap veiligheidsregio brandweer politie crisis oefening evacuatie hoogwater stormvloed
        kennisdeling leerpunten terugblik vooruitblik samenvatting conclusie aanbeveling vervolgstappen
        actiepunt deadline januari februari maart april mei juni juli augustus september oktober november december
        inventarisatie verkenning haalbaarheid businesscase begeleidingscommissie klankbordgroep expertsessie
        herindeling gemeenschappelijke regeling convenant intentieverklaring uitvoeringsagenda meerjarenplan
        stikstofdepositie piekbelasting kwelwater veenweide bodemdaling grondwaterstand zoutindringing
        dijkversterking rivierverruiming uiterwaarden nevengeul zandsuppletie duinversterking kustlijn
        """.split(whereSeparator: \.isWhitespace).map(String.init)

    /// A sentence of 5 to 14 words, capitalised and ended with a full stop.
    static func sentence(_ random: inout SeedRandom) -> String {
        var text = ""
        let count = random.within(5...14)
        for index in 0..<count {
            let word = words[random.skewed(words.count)]
            if index == 0 {
                text += word.prefix(1).uppercased() + word.dropFirst()
            } else {
                text += " " + word
            }
        }
        return text + "."
    }

    /// About `wordCount` words of sentences.
    static func paragraph(_ random: inout SeedRandom, words wordCount: Int) -> String {
        var text = ""
        while text.utf8.count < wordCount * 7 {
            if !text.isEmpty { text += " " }
            text += sentence(&random)
        }
        return text
    }

    /// A title of 3 to 7 words.
    static func title(_ random: inout SeedRandom) -> String {
        let sentence = sentence(&random)
        return sentence.split(separator: " ").prefix(random.within(3...7)).joined(separator: " ").trimmingCharacters(in: ["."])
    }
}
