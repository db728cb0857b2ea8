#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "words.h"

/* The published PGP word list, written out as data. */
/* clang-format off */
/* Bytes at even positions: the two-syllable list, byte 0x00 first. */
static const char *const even_words[256] = {
	/* 00 */ "aardvark", "absurd", "accrue", "acme",
	/* 04 */ "adrift", "adult", "afflict", "ahead",
	/* 08 */ "aimless", "Algol", "allow", "alone",
	/* 0C */ "ammo", "ancient", "apple", "artist",
	/* 10 */ "assume", "Athens", "atlas", "Aztec",
	/* 14 */ "baboon", "backfield", "backward", "banjo",
	/* 18 */ "beaming", "bedlamp", "beehive", "beeswax",
	/* 1C */ "befriend", "Belfast", "berserk", "billiard",
	/* 20 */ "bison", "blackjack", "blockade", "blowtorch",
	/* 24 */ "bluebird", "bombast", "bookshelf", "brackish",
	/* 28 */ "breadline", "breakup", "brickyard", "briefcase",
	/* 2C */ "Burbank", "button", "buzzard", "cement",
	/* 30 */ "chairlift", "chatter", "checkup", "chisel",
	/* 34 */ "choking", "chopper", "Christmas", "clamshell",
	/* 38 */ "classic", "classroom", "cleanup", "clockwork",
	/* 3C */ "cobra", "commence", "concert", "cowbell",
	/* 40 */ "crackdown", "cranky", "crowfoot", "crucial",
	/* 44 */ "crumpled", "crusade", "cubic", "dashboard",
	/* 48 */ "deadbolt", "deckhand", "dogsled", "dragnet",
	/* 4C */ "drainage", "dreadful", "drifter", "dropper",
	/* 50 */ "drumbeat", "drunken", "Dupont", "dwelling",
	/* 54 */ "eating", "edict", "egghead", "eightball",
	/* 58 */ "endorse", "endow", "enlist", "erase",
	/* 5C */ "escape", "exceed", "eyeglass", "eyetooth",
	/* 60 */ "facial", "fallout", "flagpole", "flatfoot",
	/* 64 */ "flytrap", "fracture", "framework", "freedom",
	/* 68 */ "frighten", "gazelle", "Geiger", "glitter",
	/* 6C */ "glucose", "goggles", "goldfish", "gremlin",
	/* 70 */ "guidance", "hamlet", "highchair", "hockey",
	/* 74 */ "indoors", "indulge", "inverse", "involve",
	/* 78 */ "island", "jawbone", "keyboard", "kickoff",
	/* 7C */ "kiwi", "klaxon", "locale", "lockup",
	/* 80 */ "merit", "minnow", "miser", "Mohawk",
	/* 84 */ "mural", "music", "necklace", "Neptune",
	/* 88 */ "newborn", "nightbird", "Oakland", "obtuse",
	/* 8C */ "offload", "optic", "orca", "payday",
	/* 90 */ "peachy", "pheasant", "physique", "playhouse",
	/* 94 */ "Pluto", "preclude", "prefer", "preshrunk",
	/* 98 */ "printer", "prowler", "pupil", "puppy",
	/* 9C */ "python", "quadrant", "quiver", "quota",
	/* A0 */ "ragtime", "ratchet", "rebirth", "reform",
	/* A4 */ "regain", "reindeer", "rematch", "repay",
	/* A8 */ "retouch", "revenge", "reward", "rhythm",
	/* AC */ "ribcage", "ringbolt", "robust", "rocker",
	/* B0 */ "ruffled", "sailboat", "sawdust", "scallion",
	/* B4 */ "scenic", "scorecard", "Scotland", "seabird",
	/* B8 */ "select", "sentence", "shadow", "shamrock",
	/* BC */ "showgirl", "skullcap", "skydive", "slingshot",
	/* C0 */ "slowdown", "snapline", "snapshot", "snowcap",
	/* C4 */ "snowslide", "solo", "southward", "soybean",
	/* C8 */ "spaniel", "spearhead", "spellbind", "spheroid",
	/* CC */ "spigot", "spindle", "spyglass", "stagehand",
	/* D0 */ "stagnate", "stairway", "standard", "stapler",
	/* D4 */ "steamship", "sterling", "stockman", "stopwatch",
	/* D8 */ "stormy", "sugar", "surmount", "suspense",
	/* DC */ "sweatband", "swelter", "tactics", "talon",
	/* E0 */ "tapeworm", "tempest", "tiger", "tissue",
	/* E4 */ "tonic", "topmost", "tracker", "transit",
	/* E8 */ "trauma", "treadmill", "Trojan", "trouble",
	/* EC */ "tumor", "tunnel", "tycoon", "uncut",
	/* F0 */ "unearth", "unwind", "uproot", "upset",
	/* F4 */ "upshot", "vapor", "village", "virus",
	/* F8 */ "Vulcan", "waffle", "wallet", "watchword",
	/* FC */ "wayside", "willow", "woodlark", "Zulu",
};

/* Bytes at odd positions: the three-syllable list. */
static const char *const odd_words[256] = {
	/* 00 */ "adroitness", "adviser", "aftermath", "aggregate",
	/* 04 */ "alkali", "almighty", "amulet", "amusement",
	/* 08 */ "antenna", "applicant", "Apollo", "armistice",
	/* 0C */ "article", "asteroid", "Atlantic", "atmosphere",
	/* 10 */ "autopsy", "Babylon", "backwater", "barbecue",
	/* 14 */ "belowground", "bifocals", "bodyguard", "bookseller",
	/* 18 */ "borderline", "bottomless", "Bradbury", "bravado",
	/* 1C */ "Brazilian", "breakaway", "Burlington", "businessman",
	/* 20 */ "butterfat", "Camelot", "candidate", "cannonball",
	/* 24 */ "Capricorn", "caravan", "caretaker", "celebrate",
	/* 28 */ "cellulose", "certify", "chambermaid", "Cherokee",
	/* 2C */ "Chicago", "clergyman", "coherence", "combustion",
	/* 30 */ "commando", "company", "component", "concurrent",
	/* 34 */ "confidence", "conformist", "congregate", "consensus",
	/* 38 */ "consulting", "corporate", "corrosion", "councilman",
	/* 3C */ "crossover", "crucifix", "cumbersome", "customer",
	/* 40 */ "Dakota", "decadence", "December", "decimal",
	/* 44 */ "designing", "detector", "detergent", "determine",
	/* 48 */ "dictator", "dinosaur", "direction", "disable",
	/* 4C */ "disbelief", "disruptive", "distortion", "document",
	/* 50 */ "embezzle", "enchanting", "enrollment", "enterprise",
	/* 54 */ "equation", "equipment", "escapade", "Eskimo",
	/* 58 */ "everyday", "examine", "existence", "exodus",
	/* 5C */ "fascinate", "filament", "finicky", "forever",
	/* 60 */ "fortitude", "frequency", "gadgetry", "Galveston",
	/* 64 */ "getaway", "glossary", "gossamer", "graduate",
	/* 68 */ "gravity", "guitarist", "hamburger", "Hamilton",
	/* 6C */ "handiwork", "hazardous", "headwaters", "hemisphere",
	/* 70 */ "hesitate", "hideaway", "holiness", "hurricane",
	/* 74 */ "hydraulic", "impartial", "impetus", "inception",
	/* 78 */ "indigo", "inertia", "infancy", "inferno",
	/* 7C */ "informant", "insincere", "insurgent", "integrate",
	/* 80 */ "intention", "inventive", "Istanbul", "Jamaica",
	/* 84 */ "Jupiter", "leprosy", "letterhead", "liberty",
	/* 88 */ "maritime", "matchmaker", "maverick", "Medusa",
	/* 8C */ "megaton", "microscope", "microwave", "midsummer",
	/* 90 */ "millionaire", "miracle", "misnomer", "molasses",
	/* 94 */ "molecule", "Montana", "monument", "mosquito",
	/* 98 */ "narrative", "nebula", "newsletter", "Norwegian",
	/* 9C */ "October", "Ohio", "onlooker", "opulent",
	/* A0 */ "Orlando", "outfielder", "Pacific", "pandemic",
	/* A4 */ "Pandora", "paperweight", "paragon", "paragraph",
	/* A8 */ "paramount", "passenger", "pedigree", "Pegasus",
	/* AC */ "penetrate", "perceptive", "performance", "pharmacy",
	/* B0 */ "phonetic", "photograph", "pioneer", "pocketful",
	/* B4 */ "politeness", "positive", "potato", "processor",
	/* B8 */ "provincial", "proximate", "puberty", "publisher",
	/* BC */ "pyramid", "quantity", "racketeer", "rebellion",
	/* C0 */ "recipe", "recover", "repellent", "replica",
	/* C4 */ "reproduce", "resistor", "responsive", "retraction",
	/* C8 */ "retrieval", "retrospect", "revenue", "revival",
	/* CC */ "revolver", "sandalwood", "sardonic", "Saturday",
	/* D0 */ "savagery", "scavenger", "sensation", "sociable",
	/* D4 */ "souvenir", "specialist", "speculate", "stethoscope",
	/* D8 */ "stupendous", "supportive", "surrender", "suspicious",
	/* DC */ "sympathy", "tambourine", "telephone", "therapist",
	/* E0 */ "tobacco", "tolerance", "tomorrow", "torpedo",
	/* E4 */ "tradition", "travesty", "trombonist", "truncated",
	/* E8 */ "typewriter", "ultimate", "undaunted", "underfoot",
	/* EC */ "unicorn", "unify", "universe", "unravel",
	/* F0 */ "upcoming", "vacancy", "vagabond", "vertigo",
	/* F4 */ "Virginia", "visitor", "vocalist", "voyager",
	/* F8 */ "warranty", "Waterloo", "whimsical", "Wichita",
	/* FC */ "Wilmington", "Wyoming", "yesteryear", "Yucatan",
};
/* clang-format on */

const char *
words_word(unsigned char b, size_t pos)
{
	return pos % 2 ? odd_words[b] : even_words[b];
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Is the Levenshtein distance between tok[0..n) and w exactly 1?  Only
 * distance 1 matters, so this walks both strings once instead of filling
 * a table: skip the common prefix, then the rest must agree after one
 * substitution, insertion or deletion. */
static int
one_edit(const char *tok, size_t n, const char *w)
{
	size_t m = strlen(w), i = 0;

	if (n > m + 1 || m > n + 1)
		return 0;
	while (i < n && i < m && lower(tok[i]) == lower(w[i]))
		i++;
	if (i == n && i == m)
		return 0; /* equal */
	if (n == m)
		return strncasecmp(tok + i + 1, w + i + 1, n - i - 1) == 0;
	if (n > m) /* one letter too many in tok */
		return strncasecmp(tok + i + 1, w + i, m - i) == 0;
	return strncasecmp(tok + i, w + i + 1, n - i) == 0;
}

static int
same_word(const char *tok, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(tok, w, n) == 0;
}

enum words_match
words_lookup(const char *tok, size_t len, size_t pos, unsigned char *byte, const char **near)
{
	const char *const *mine = pos % 2 ? odd_words : even_words;
	const char *const *other = pos % 2 ? even_words : odd_words;
	size_t hits = 0;
	int found = -1, in_mine = 0;

	for (int b = 0; b < 256; b++) {
		if (same_word(tok, len, mine[b])) {
			*byte = (unsigned char)b;
			return WORDS_EXACT;
		}
	}
	for (int b = 0; b < 256; b++) {
		if (same_word(tok, len, other[b])) {
			*byte = (unsigned char)b;
			return WORDS_OTHER_LIST;
		}
	}
	for (int b = 0; b < 512; b++) {
		const char *w = b < 256 ? mine[b] : other[b - 256];

		if (!one_edit(tok, len, w))
			continue;
		if (hits++ == 0) {
			found = b;
			in_mine = b < 256;
		}
	}
	if (near != NULL && found >= 0)
		*near = found < 256 ? mine[found] : other[found - 256];
	if (hits > 1)
		return WORDS_AMBIGUOUS;
	if (hits == 1 && in_mine) {
		*byte = (unsigned char)found;
		return WORDS_NEAR;
	}
	return WORDS_UNKNOWN;
}

void
words_grouped(const unsigned char *d, size_t n, char *out, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return;
	out[0] = '\0';
	for (size_t g = 0; g * WORDS_PER_GROUP < n; g++) {
		size_t i = g * WORDS_PER_GROUP;
		const char *sep = g == 0 ? "" : g % 3 == 0 ? "\n" : "  ";
		int last_on_line = g % 3 == 2 || i + WORDS_PER_GROUP >= n;
		char item[48];
		int k;

		if (i + 1 < n)
			k = snprintf(item, sizeof item, "%s%2zu %-9s %-11s", sep, g + 1,
				     words_word(d[i], i), words_word(d[i + 1], i + 1));
		else
			k = snprintf(item, sizeof item, "%s%2zu %s", sep, g + 1,
				     words_word(d[i], i));
		/* No trailing spaces at the end of a line. */
		while (last_on_line && k > 0 && item[k - 1] == ' ')
			item[--k] = '\0';
		if (used + (size_t)k + 1 > len) {
			while (used > 0 && out[used - 1] == ' ')
				out[--used] = '\0';
			return;
		}
		memcpy(out + used, item, (size_t)k + 1);
		used += (size_t)k;
	}
}
