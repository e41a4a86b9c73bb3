package wordforms

// irregular maps an inflected form that the English Snowball stemmer does
// not bring to its base form (grew, children, better) onto the base (grow,
// child, good). Forms that are as often another word (left, found, bound,
// ground, wound, lives, leaves, bases, media) are left out: a wrong merge
// costs more than a missed one. Forms of be, have and do are stop words
// and left alone too. Keys are lower case.
var irregular = map[string]string{}

// verbs lists base, then the irregular past and participle forms.
var verbs = [][]string{
	{"arise", "arose", "arisen"}, {"awake", "awoke", "awoken"}, {"bear", "borne"}, {"beat", "beaten"}, {"become", "became"}, {"begin", "began", "begun"},
	{"bend", "bent"}, {"bite", "bitten"}, {"bleed", "bled"}, {"blow", "blew", "blown"},
	{"break", "broke", "broken"}, {"breed", "bred"}, {"bring", "brought"}, {"build", "built"},
	{"burn", "burnt"}, {"buy", "bought"}, {"catch", "caught"}, {"choose", "chose", "chosen"},
	{"cling", "clung"}, {"come", "came"}, {"creep", "crept"}, {"deal", "dealt"}, {"dig", "dug"},
	{"draw", "drew", "drawn"}, {"dream", "dreamt"}, {"drink", "drank", "drunk"},
	{"drive", "drove", "driven"}, {"dwell", "dwelt"}, {"eat", "ate", "eaten"}, {"fall", "fell", "fallen"},
	{"feed", "fed"}, {"feel", "felt"}, {"fight", "fought"}, {"flee", "fled"}, {"fling", "flung"},
	{"fly", "flew", "flown"}, {"forbid", "forbade", "forbidden"}, {"foresee", "foresaw", "foreseen"},
	{"forget", "forgot", "forgotten"}, {"forgive", "forgave", "forgiven"}, {"freeze", "froze", "frozen"},
	{"get", "got", "gotten"}, {"give", "gave", "given"}, {"go", "went", "gone"},
	{"grow", "grew", "grown"}, {"hang", "hung"}, {"hear", "heard"},
	{"hide", "hid", "hidden"}, {"hold", "held"}, {"keep", "kept"}, {"kneel", "knelt"},
	{"know", "knew", "known"}, {"lead", "led"}, {"lean", "leant"}, {"leap", "leapt"}, {"learn", "learnt"},
	{"lend", "lent"}, {"lose", "lost"}, {"make", "made"}, {"mean", "meant"},
	{"meet", "met"}, {"mislead", "misled"}, {"mistake", "mistook", "mistaken"}, {"overcome", "overcame"},
	{"overtake", "overtook", "overtaken"}, {"overthrow", "overthrew", "overthrown"}, {"pay", "paid"},
	{"prove", "proven"}, {"ride", "rode", "ridden"}, {"ring", "rang", "rung"}, {"rise", "rose", "risen"},
	{"run", "ran"}, {"say", "said"}, {"see", "saw", "seen"}, {"seek", "sought"}, {"sell", "sold"},
	{"send", "sent"}, {"shake", "shook", "shaken"}, {"shine", "shone"}, {"shoot", "shot"},
	{"shrink", "shrank", "shrunk"}, {"sing", "sang", "sung"}, {"sink", "sank", "sunk"}, {"sit", "sat"},
	{"slay", "slew", "slain"}, {"sleep", "slept"}, {"slide", "slid"}, {"speak", "spoke", "spoken"},
	{"speed", "sped"}, {"spend", "spent"}, {"spin", "spun"}, {"spring", "sprang", "sprung"},
	{"stand", "stood"}, {"steal", "stole", "stolen"}, {"stick", "stuck"}, {"sting", "stung"},
	{"stride", "strode", "stridden"}, {"strike", "struck", "stricken"}, {"strive", "strove", "striven"},
	{"swear", "swore", "sworn"}, {"sweep", "swept"}, {"swim", "swam", "swum"}, {"swing", "swung"},
	{"take", "took", "taken"}, {"teach", "taught"}, {"tear", "tore", "torn"}, {"tell", "told"},
	{"think", "thought"}, {"throw", "threw", "thrown"}, {"tread", "trod", "trodden"},
	{"undergo", "underwent", "undergone"}, {"understand", "understood"},
	{"undertake", "undertook", "undertaken"}, {"wake", "woke", "woken"}, {"wear", "wore", "worn"},
	{"weave", "wove", "woven"}, {"weep", "wept"}, {"win", "won"}, {"withdraw", "withdrew", "withdrawn"}, {"write", "wrote", "written"},
}

// nouns lists base, then irregular plurals.
var nouns = [][]string{
	{"child", "children"}, {"man", "men"}, {"woman", "women"}, {"mouse", "mice"}, {"goose", "geese"},
	{"foot", "feet"}, {"tooth", "teeth"}, {"louse", "lice"}, {"ox", "oxen"},
	{"analysis", "analyses"}, {"crisis", "crises"},
	{"diagnosis", "diagnoses"}, {"hypothesis", "hypotheses"}, {"thesis", "theses"},
	{"synthesis", "syntheses"}, {"criterion", "criteria"}, {"phenomenon", "phenomena"},
	{"bacterium", "bacteria"}, {"curriculum", "curricula"},
	{"nucleus", "nuclei"}, {"fungus", "fungi"}, {"stimulus", "stimuli"}, {"alumnus", "alumni"},
	{"radius", "radii"}, {"index", "indices"}, {"matrix", "matrices"}, {"vertex", "vertices"},
	{"appendix", "appendices"}, {"wife", "wives"}, {"knife", "knives"}, {"wolf", "wolves"},
	{"half", "halves"}, {"thief", "thieves"}, {"shelf", "shelves"}, {"calf", "calves"},
	{"loaf", "loaves"},
}

// adjectives lists base, then comparative and superlative forms, regular
// ones included: the stemmer keeps "larger" and "largest" apart from
// "large".
var adjectives = [][]string{
	{"good", "better", "best"}, {"bad", "worse", "worst"}, {"far", "farther", "farthest", "further", "furthest"},
	{"old", "older", "oldest", "elder", "eldest"}, {"large", "larger", "largest"}, {"big", "bigger", "biggest"},
	{"small", "smaller", "smallest"}, {"high", "higher", "highest"}, {"low", "lower", "lowest"},
	{"long", "longer", "longest"}, {"short", "shorter", "shortest"}, {"great", "greater", "greatest"},
	{"early", "earlier", "earliest"}, {"late", "later", "latest"}, {"young", "younger", "youngest"},
	{"new", "newer", "newest"}, {"strong", "stronger", "strongest"}, {"weak", "weaker", "weakest"},
	{"rich", "richer", "richest"}, {"poor", "poorer", "poorest"}, {"wide", "wider", "widest"},
	{"deep", "deeper", "deepest"}, {"fast", "faster", "fastest"}, {"slow", "slower", "slowest"},
	{"hot", "hotter", "hottest"}, {"cold", "colder", "coldest"}, {"warm", "warmer", "warmest"},
	{"heavy", "heavier", "heaviest"}, {"easy", "easier", "easiest"}, {"close", "closer", "closest"},
	{"near", "nearer", "nearest"}, {"wet", "wetter", "wettest"}, {"dry", "drier", "driest"},
}

func init() {
	for _, group := range [][][]string{verbs, nouns, adjectives} {
		for _, forms := range group {
			for _, f := range forms[1:] {
				irregular[f] = forms[0]
			}
		}
	}
}
