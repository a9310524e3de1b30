package benchgen

// Langs are the seven languages of the demo, in the order conversations
// cycle through them (English is weighted: every other conversation).
var Langs = []string{"en", "es", "fr", "pl", "hu", "et", "de"}

// lang texts: a customer's first post (the problem), follow-ups, the
// brand's replies. Customers' first posts carry words that appear nowhere
// else (RareWord: only in English first posts, never in a preview, since
// the preview is the latest customer post).
type langText struct {
	first    []string
	followUp []string
	brand    []string
	names    []string
	surnames []string
}

// RareWord occurs only in customers' first posts (English), never in the
// brand's replies, follow-ups or previews.
const RareWord = "rebooking"

var texts = map[string]langText{
	"en": {
		first: []string{
			"my flight was cancelled and nobody at the desk can tell me anything about the " + RareWord,
			"the bouquet I ordered for my mother arrived wilted and two days late",
			"no power in our street since 6am, is there an outage near the station?",
			"I have been charged twice for the same order, please refund one of them",
			"the app keeps logging me out every time I try to check in",
			"my luggage did not arrive and the tracking page shows nothing",
			"great service today, the crew was wonderful, thank you!",
		},
		followUp: []string{
			"still waiting for an answer, this is really frustrating",
			"any update? I need to know before tomorrow morning",
			"thanks, that worked",
			"sent you a DM with my booking reference",
			"it happened again this morning",
		},
		brand: []string{
			"Sorry to hear that! Could you send us your booking reference in a DM?",
			"We are looking into it and will get back to you within the hour.",
			"Thanks for your patience, the issue should be fixed now.",
		},
		names:    []string{"Emma", "Oliver", "Amelia", "Jack", "Olivia", "Harry", "Isla", "George"},
		surnames: []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans"},
	},
	"es": {
		first: []string{
			"mi vuelo fue cancelado y nadie en el mostrador me dice nada sobre la reprogramación",
			"el ramo que pedí para mi madre llegó marchito y con dos días de retraso",
			"sin luz en nuestra calle desde las 6, ¿hay una avería cerca de la estación?",
			"me habéis cobrado dos veces el mismo pedido, devolvedme uno por favor",
			"la aplicación me cierra la sesión cada vez que intento facturar",
		},
		followUp: []string{
			"sigo esperando una respuesta, qué frustración",
			"¿alguna novedad? necesito saberlo antes de mañana",
			"gracias, ya funciona",
		},
		brand: []string{
			"¡Lo sentimos! ¿Nos envías tu localizador por mensaje directo?",
			"Lo estamos revisando y te respondemos en menos de una hora.",
		},
		names:    []string{"María", "José", "Lucía", "Álvaro", "Sofía", "Martín", "Inés"},
		surnames: []string{"García", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez"},
	},
	"fr": {
		first: []string{
			"mon vol a été annulé et personne au comptoir ne sait rien sur le nouveau départ",
			"le bouquet commandé pour ma mère est arrivé fané avec deux jours de retard",
			"plus d'électricité dans notre rue depuis 6h, une panne près de la gare ?",
			"vous m'avez débité deux fois la même commande, remboursez-en une s'il vous plaît",
		},
		followUp: []string{
			"toujours pas de réponse, c'est très frustrant",
			"des nouvelles ? je dois savoir avant demain matin",
			"merci, ça marche",
		},
		brand: []string{
			"Désolés ! Pouvez-vous nous envoyer votre référence en message privé ?",
			"Nous regardons cela et revenons vers vous dans l'heure.",
		},
		names:    []string{"Élodie", "François", "Chloé", "Léa", "Jérôme", "Hélène", "Noël"},
		surnames: []string{"Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard"},
	},
	"pl": {
		first: []string{
			"mój lot został odwołany i nikt przy stanowisku nie wie nic o zmianie rezerwacji",
			"bukiet dla mojej mamy przyszedł zwiędnięty i dwa dni za późno",
			"od szóstej rano nie ma prądu na naszej ulicy, czy jest awaria przy dworcu?",
			"pobraliście dwa razy opłatę za to samo zamówienie, proszę o zwrot",
		},
		followUp: []string{
			"nadal czekam na odpowiedź, to bardzo frustrujące",
			"czy są jakieś wieści? muszę wiedzieć przed jutrem",
			"dziękuję, działa",
		},
		brand: []string{
			"Przykro nam! Prosimy o numer rezerwacji w wiadomości prywatnej.",
			"Sprawdzamy to i odpowiemy w ciągu godziny.",
		},
		names:    []string{"Łukasz", "Zofia", "Michał", "Małgorzata", "Paweł", "Agnieszka", "Wojciech"},
		surnames: []string{"Kowalski", "Wiśniewska", "Wójcik", "Kamińska", "Lewandowski", "Zieliński"},
	},
	"hu": {
		first: []string{
			"a járatomat törölték, és a pultnál senki sem tud semmit az átfoglalásról",
			"az anyámnak rendelt csokor hervadtan és két nap késéssel érkezett",
			"reggel hat óta nincs áram az utcánkban, van hiba az állomás közelében?",
			"kétszer vonták le ugyanazt a rendelést, kérem az egyiket visszatéríteni",
		},
		followUp: []string{
			"még mindig válaszra várok, ez nagyon bosszantó",
			"van valami hír? holnap reggelig tudnom kell",
			"köszönöm, működik",
		},
		brand: []string{
			"Sajnáljuk! Elküldené a foglalási számát privát üzenetben?",
			"Utánanézünk, és egy órán belül jelentkezünk.",
		},
		names:    []string{"Bence", "Zsófia", "Dániel", "Eszter", "Gergő", "Réka", "Ádám"},
		surnames: []string{"Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss"},
	},
	"et": {
		first: []string{
			"minu lend tühistati ja letis ei tea keegi ümberbroneerimisest midagi",
			"emale tellitud kimp saabus närtsinult ja kaks päeva hiljem",
			"meie tänaval pole kella kuuest elektrit, kas jaama lähedal on rike?",
			"sama tellimuse eest võeti raha kaks korda, palun tagastage üks",
		},
		followUp: []string{
			"ootan endiselt vastust, see on väga tüütu",
			"kas on uudiseid? pean teadma enne homset hommikut",
			"aitäh, töötab",
		},
		brand: []string{
			"Vabandame! Palun saatke broneeringu number privaatsõnumiga.",
			"Uurime asja ja vastame tunni jooksul.",
		},
		names:    []string{"Märt", "Liis", "Jüri", "Kädi", "Tõnu", "Õnne", "Ülle"},
		surnames: []string{"Tamm", "Saar", "Sepp", "Mägi", "Kask", "Kukk", "Rebane"},
	},
	"de": {
		first: []string{
			"mein Flug wurde gestrichen und niemand am Schalter weiß etwas über die Umbuchung",
			"der Strauß für meine Mutter kam verwelkt und zwei Tage zu spät an",
			"seit 6 Uhr kein Strom in unserer Straße, gibt es eine Störung am Bahnhof?",
			"Sie haben dieselbe Bestellung zweimal abgebucht, bitte erstatten Sie eine zurück",
		},
		followUp: []string{
			"ich warte immer noch auf eine Antwort, sehr ärgerlich",
			"gibt es Neuigkeiten? ich muss es vor morgen früh wissen",
			"danke, es funktioniert",
		},
		brand: []string{
			"Das tut uns leid! Schicken Sie uns Ihre Buchungsnummer per Direktnachricht?",
			"Wir prüfen das und melden uns innerhalb einer Stunde.",
		},
		names:    []string{"Jürgen", "Käthe", "Björn", "Günther", "Müller", "Lena", "Jörg"},
		surnames: []string{"Schröder", "Müller", "Schäfer", "Weiß", "Groß", "Köhler", "Fuchs"},
	},
}

// Tags and notes put on some contacts.
var (
	Tags  = []string{"frequent-flyer", "refund-pending", "press", "complained-twice", "gold", "wholesale"}
	Notes = []string{
		"prefers Spanish, call after 5pm",
		"journalist at the Daily Ledger, escalate politely",
		"refund promised on the phone, check with billing",
		"Stammkunde seit 2019, sehr geduldig",
		"ügyfél kérte, hogy e-mailben értesítsük",
	}
)
