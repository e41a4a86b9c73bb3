package eval

import "slices"

// distractorPeople are names the distractor templates cite.
const distractorPeople = `Ada Marsh|Bruno Keller|Chiara Rossi|Dmitri Volkov|
Elena Ortiz|Farah Haddad|Gustav Lind|Hana Sato|Ian Doyle|Jonas Berg|
Kemi Adeyemi|Lucia Ferreira|Mateo Ruiz|Nadia Petrova|Oskar Nilsson|
Priya Raman|Quentin Moreau|Rosa Lindqvist|Samir Aziz|Tomas Novak`

// distractorTopics returns the distractor material, built afresh on every
// call so that no caller can change another's.
func distractorTopics() []topic {
	return slices.Concat(homeTopics(), outdoorTopics(), pastimeTopics())
}

// homeTopics are the garden, the night sky, the kitchen and the office.
func homeTopics() []topic {
	return []topic{
		{
			name:     "gardening",
			subjects: list("tomatoes|climbing roses|lavender|raised beds|runner beans|the herb border|courgettes|fruit trees|a compost heap|spring bulbs|the vegetable patch|hydrangeas"),
			things:   list("mulch|well-rotted manure|a soaker hose|bamboo canes|liquid seaweed feed|horticultural fleece|pruning shears|leaf mould|slug traps|bone meal"),
			adjs:     list("sunny|sheltered|heavy clay|sandy|north-facing|waterlogged|frost-prone|well-drained"),
			plcs:     list("the allotment|a small courtyard|the greenhouse|a balcony|the back garden|a community plot"),
			titles:   list("growing {S} in {A} soil|{N} mistakes people make with {S}|a season with {S} at {P}|why {S} need {T}"),
			sentences: list(
				"{S} do best in a {A} spot, so choose the position before buying plants.|" +
					"A layer of {T} around {S} keeps moisture in during dry spells.|" +
					"At {P}, {W} grows {S} in rows about {N} hands apart.|" +
					"Water early in the morning; evening watering invites slugs and mildew.|" +
					"Most growers report that {T} raised their yield by roughly {Q} percent.|" +
					"If the ground is {A}, dig in {T} in autumn and let the frost break it down.|" +
					"Pinch out the growing tips of {S} once they reach {N} leaves.|" +
					"{W} has kept notes on {S} since {Y} and swears by {T}.|" +
					"Rotate crops each year so that soil pests do not build up.|" +
					"Cover young plants with {T} when a late frost is forecast.|" +
					"Deadheading regularly keeps {S} flowering well into the autumn."),
		},
		{
			name:     "astronomy",
			subjects: list("Jupiter's moons|the Orion Nebula|a lunar eclipse|the Andromeda galaxy|Saturn's rings|the Perseid meteor shower|variable stars|the Pleiades|a transit of Mercury|double stars"),
			things:   list("a small refractor|a Dobsonian reflector|binoculars|a red torch|a star chart|a camera on a tracking mount|an eyepiece filter|a planisphere"),
			adjs:     list("dark|clear|moonless|hazy|light-polluted|steady|frosty|transparent"),
			plcs:     list("a hilltop car park|the back garden|a dark-sky reserve|the club observatory|a coastal headland|a rooftop in town"),
			titles:   list("observing {S} with {T}|a beginner's night out: {S}|what {T} shows of {S}|{S} from {P}"),
			sentences: list(
				"On a {A} night, {S} are easy to find once your eyes adapt to the dark.|" +
					"{W} first saw {S} through {T} from {P} in {Y}.|" +
					"Give your eyes at least {N} minutes away from bright screens.|" +
					"With {T}, {S} show detail that the naked eye misses.|" +
					"Seeing was {A}, so the view held steady at high magnification.|" +
					"Roughly {Q} percent of the sky is hidden by trees and houses from {P}.|" +
					"Sketching what you see trains the eye better than any photograph.|" +
					"Check the weather and the moon phase before driving to {P}.|" +
					"Use {T} to locate {S} by star-hopping from a bright neighbour.|" +
					"Dress warmly: standing still at night is colder than it sounds."),
		},
		{
			name:     "cooking",
			subjects: list("sourdough bread|a slow-cooked ragù|lemon tart|vegetable curry|risotto|roast chicken|fresh pasta|miso soup|apple crumble|shakshuka|flatbreads"),
			things:   list("a cast-iron pan|a digital scale|a stand mixer|smoked paprika|a Dutch oven|fresh thyme|brown butter|a sharp chef's knife|toasted cumin seeds|good olive oil"),
			adjs:     list("crisp|silky|rustic|tangy|hearty|delicate|smoky|golden"),
			plcs:     list("a tiny flat kitchen|a camping stove|a busy restaurant|grandmother's kitchen|a market stall|a cookery class"),
			titles:   list("how to make {A} {S}|{S} with {T}|{N} tips for better {S}|{S}, the way {W} makes it"),
			sentences: list(
				"The secret to {A} {S} is patience rather than any special equipment.|" +
					"{W} learned to make {S} in {P} and still uses {T} for it.|" +
					"Weigh the flour instead of measuring cups; it is far more consistent.|" +
					"Let the dish rest for {N} minutes before serving so the flavours settle.|" +
					"A pinch of salt at the end lifts everything, even desserts.|" +
					"Adding {T} gives {S} a {A} finish that guests always ask about.|" +
					"About {Q} percent of the cooking time is simply waiting, so plan ahead.|" +
					"Taste as you go and adjust the seasoning in small steps.|" +
					"Leftover {S} keeps for {N} days in the fridge in a sealed box.|" +
					"Heat the pan properly before anything goes in, or it will stick.|" +
					"This version of {S} dates from a recipe card written in {Y}."),
		},
		{
			name:     "software",
			subjects: list("code review|the build pipeline|database migrations|feature flags|on-call rotations|dependency updates|integration tests|release notes|log retention|a monorepo|API versioning"),
			things:   list("a staging environment|a checklist|a linter|canary deployments|a runbook|pair programming|a changelog|structured logs|trunk-based development|a style guide"),
			adjs:     list("small|distributed|legacy|fast-growing|regulated|remote|cross-functional|young"),
			plcs:     list("a startup|a bank's platform team|an open-source project|a game studio|a hospital IT department|a logistics company"),
			titles:   list("what we learned about {S} at {P}|{S} for {A} teams|{N} rules for {S}|introducing {T} to {S}"),
			sentences: list(
				"At {P}, {S} used to take days until the team adopted {T}.|" +
					"{A} teams benefit most from keeping {S} boring and predictable.|" +
					"{W} argued that {T} catches problems before customers do.|" +
					"After the change, incidents related to {S} fell by about {Q} percent.|" +
					"Write the reason for a decision down; nobody remembers it in a year.|" +
					"We limit each change to {N} files so reviews stay focused.|" +
					"The first version of our process for {S} was written in {Y}.|" +
					"Automate the tedious parts and keep humans for judgement calls.|" +
					"A {A} organisation needs {T} more than it needs another tool.|" +
					"Measure before optimising; intuition about slowness is often wrong."),
		},
	}
}

// outdoorTopics are sport, travel, music and the workshop.
func outdoorTopics() []topic {
	return []topic{
		{
			name:     "sports",
			subjects: list("the local football club|a marathon training plan|the under-twelve netball team|amateur rowing|the cricket season|a five-a-side league|trail running|the swimming squad|club tennis|a rugby sevens tournament"),
			things:   list("interval sessions|a foam roller|a heart-rate monitor|video analysis|a rest day|new boots|a strength routine|a sports physio|a nutrition plan|a team captain"),
			adjs:     list("muddy|rain-soaked|hard-fought|one-sided|nervy|record-breaking|windswept|late-season"),
			plcs:     list("the county ground|a village pitch|the leisure centre|a riverside course|the regional finals|a school field"),
			titles:   list("{S}: a {A} weekend|how {T} changed {S}|{N} weeks with {S}|{W} on {S}"),
			sentences: list(
				"It was a {A} match at {P}, decided in the last {N} minutes.|" +
					"Coach {W} credits {T} for the improvement this season.|" +
					"{S} trains twice a week and plays on Saturday mornings.|" +
					"Attendance has grown by about {Q} percent since {Y}.|" +
					"Warm up properly; most early-season injuries are avoidable.|" +
					"Adding {T} helped players recover between fixtures.|" +
					"The club was founded in {Y} by a handful of volunteers.|" +
					"Conditions were {A}, which suited the visiting side.|" +
					"Everyone gets a game, whatever their ability, which keeps members coming back.|" +
					"The season ends at {P} with a friendly against old rivals."),
		},
		{
			name:     "travel",
			subjects: list("the Lisbon trams|a night train across the Alps|island hopping in Greece|the Scottish Highlands|a road trip through Patagonia|the old town of Kraków|rice terraces in Bali|the fjords of Norway|a walking tour of Kyoto|the Atacama desert"),
			things:   list("a rail pass|a paper map|a light rain jacket|travel insurance|a phrasebook|a reusable water bottle|a packing list|a local SIM card|comfortable shoes"),
			adjs:     list("quiet|crowded|off-season|sun-baked|misty|budget|slow|unforgettable"),
			plcs:     list("a family guesthouse|a hostel dormitory|a harbour-side café|the station platform|a mountain hut|a ferry deck"),
			titles:   list("{N} days exploring {S}|{S} on a {A} budget|a {A} week: {S}|why I always pack {T}"),
			sentences: list(
				"We spent {N} nights at {P} and never once wished for a hotel.|" +
					"{S} is at its best in the {A} months, when the crowds have gone.|" +
					"Bring {T}; you will be glad of it on the second day.|" +
					"{W} recommended a detour that became the highlight of the trip.|" +
					"Prices were roughly {Q} percent lower than in the high season.|" +
					"Book the first night in advance and improvise after that.|" +
					"Our guidebook, printed in {Y}, was out of date but still charming.|" +
					"Learning ten words of the local language opens many doors.|" +
					"Mornings at {P} were {A} and perfect for planning the day.|" +
					"Public transport was slower than driving but far more interesting."),
		},
		{
			name:     "music",
			subjects: list("the community choir|learning the cello|a jazz trio|the brass band|songwriting|piano scales|a folk session|the school orchestra|home recording|sight-reading"),
			things:   list("a metronome|a practice diary|a good teacher|a second-hand upright piano|a condenser microphone|a tuner app|fresh strings|a music stand|ear training"),
			adjs:     list("rusty|ambitious|nervous|patient|self-taught|part-time|late-blooming|dedicated"),
			plcs:     list("a church hall|the back room of a pub|a rehearsal studio|the bandstand|a living room|the village fête"),
			titles:   list("{N} months of {S}|notes from {P}: {S}|{S} for {A} adults|what {T} did for {S}"),
			sentences: list(
				"Even {N} minutes of daily practice beats one long session a week.|" +
					"{W} joined {S} in {Y} and has not missed a rehearsal since.|" +
					"Using {T} made slow passages far less painful.|" +
					"Our first concert at {P} was {A} but warmly received.|" +
					"Recording yourself is humbling and the quickest way to improve.|" +
					"Roughly {Q} percent of members had never read music before joining.|" +
					"Warm up the voice or the hands before tackling difficult pieces.|" +
					"A {A} beginner progresses fastest with clear, small goals.|" +
					"{S} meets on Thursday evenings and newcomers are always welcome.|" +
					"Listening widely matters as much as practising scales."),
		},
		{
			name:     "woodworking",
			subjects: list("a dovetailed drawer|an oak bookshelf|a garden bench|hand-cut mortise and tenon joints|a cutting board|a Shaker side table|a workbench|turned bowls|a tool chest|picture frames"),
			things:   list("a block plane|a marking gauge|sharp chisels|a shooting board|hide glue|a card scraper|Danish oil|a tenon saw|winding sticks|a bench hook"),
			adjs:     list("seasoned|quarter-sawn|reclaimed|knotty|green|air-dried|figured|straight-grained"),
			plcs:     list("a garage workshop|a shared maker space|a shed at the end of the garden|an evening class|a boat yard|a timber merchant's"),
			titles:   list("building {S} from {A} timber|{N} lessons from {S}|{S} with only {T}|why {T} matters for {S}"),
			sentences: list(
				"Start {S} by choosing {A} boards and letting them acclimatise for {N} days.|" +
					"{W} built the first one in {P} using little more than {T}.|" +
					"Sharpening takes time, but blunt tools cause most accidents.|" +
					"Mark every face and edge so the parts go back together the same way.|" +
					"A coat of {T} brings out the grain without hiding it.|" +
					"Waste from {A} stock can be as high as {Q} percent, so buy extra.|" +
					"Cut joints slightly proud and plane them flush afterwards.|" +
					"The design is based on a piece made in {Y}.|" +
					"Dry-fit everything before reaching for the glue.|" +
					"Sawdust is the enemy of a good finish: clean up before oiling."),
		},
	}
}

// pastimeTopics are money, birds, bicycles and cameras.
func pastimeTopics() []topic {
	return []topic{
		{
			name:     "personal finance",
			subjects: list("an emergency fund|a household budget|paying off a credit card|saving for a deposit|a pension top-up|index funds|cutting subscriptions|a holiday savings pot|meal planning on a budget|insurance renewals"),
			things:   list("a spreadsheet|a standing order|a separate savings account|the fifty-thirty-twenty rule|a spending diary|price comparison|a monthly review|automatic transfers|a shopping list"),
			adjs:     list("modest|irregular|tight|growing|shared|freelance|student|single"),
			plcs:     list("a young family|a retired couple|a shared house|a freelance designer|a nurse on shifts|a first-time buyer"),
			titles:   list("{S} on a {A} income|how {P} handled {S}|{N} habits that make {S} easier|{S} with {T}"),
			sentences: list(
				"For {P}, {S} started with {T} and a frank conversation.|" +
					"Aim to cover {N} months of essential costs before investing.|" +
					"{W} cut spending by about {Q} percent just by tracking it.|" +
					"A {A} income makes {T} more useful, not less.|" +
					"Review direct debits once a year; forgotten ones add up.|" +
					"Paying yourself first removes the temptation to spend the surplus.|" +
					"Rates have changed a great deal since {Y}, so old advice needs checking.|" +
					"Small regular amounts beat occasional large ones for most people.|" +
					"Keep receipts for {N} weeks when trying to find where money goes.|" +
					"None of this is advice; circumstances differ from one household to the next."),
		},
		{
			name:     "birdwatching",
			subjects: list("wading birds on the estuary|garden finches|the autumn migration|owls at dusk|a heronry|seabird colonies|woodpeckers|swifts returning in May|winter thrushes|kingfishers"),
			things:   list("a pair of 8x42 binoculars|a field guide|a notebook|a spotting scope|a bird feeder|a hide|a sound recording app|a nest box"),
			adjs:     list("early-morning|windy|drizzly|still|bright|freezing|late-summer|misty"),
			plcs:     list("the reservoir|a coastal marsh|the local park|an ancient woodland|a cliff-top path|the sewage works lagoons"),
			titles:   list("{S} at {P}|a {A} walk: {S}|{N} species before breakfast|watching {S} with {T}"),
			sentences: list(
				"On a {A} walk around {P} we counted {N} species.|" +
					"{S} are easiest to see an hour after sunrise.|" +
					"{W} has recorded birds at {P} every weekend since {Y}.|" +
					"Bring {T}, and keep your voice low near the water.|" +
					"Numbers were about {Q} percent higher than the same week last year.|" +
					"Learn the common calls first; most birds are heard before they are seen.|" +
					"Keep dogs on a lead during the nesting season.|" +
					"A {A} morning often brings unexpected visitors to the feeders.|" +
					"Report unusual sightings to the county recorder with a photograph if possible.|" +
					"Patience is the main skill: sit still and let the birds come to you."),
		},
		{
			name:     "cycling",
			subjects: list("commuting by bike|a first century ride|gravel touring|fixing a puncture|winter riding|a family cycling holiday|indoor training|bike-packing|the club time trial|choosing a saddle"),
			things:   list("mudguards|a good lock|tubeless tyres|a multitool|bright lights|a rear pannier|a chain checker|a track pump|padded shorts|a route-planning app"),
			adjs:     list("hilly|flat|wet|gusty|long|gentle|lumpy|chilly"),
			plcs:     list("the canal towpath|a disused railway line|the coast road|a mountain pass|the city ring road|forest tracks"),
			titles:   list("{S}: a {A} guide|{N} things I wish I knew about {S}|{S} along {P}|do you need {T}?"),
			sentences: list(
				"Our route followed {P} for {N} miles of {A} riding.|" +
					"{W} started {S} in {Y} and now rides every day.|" +
					"Fit {T} before the clocks change; you will need them.|" +
					"Check tyre pressure weekly; it matters more than an expensive frame.|" +
					"About {Q} percent of breakdowns on the road are simple punctures.|" +
					"Carry {T} and a spare tube even on short trips.|" +
					"Ride predictably and make eye contact at junctions.|" +
					"A {A} day in the saddle is easier with small, frequent snacks.|" +
					"Clean and lube the chain after wet rides to stop it rusting.|" +
					"Join a local club: the group rides teach more than any video."),
		},
		{
			name:     "photography",
			subjects: list("street photography|landscape sunrises|portraits in window light|macro shots of insects|night skies|wildlife in the garden|film photography|architectural details|black-and-white prints|long exposures of water"),
			things:   list("a fifty-millimetre prime|a sturdy tripod|a polarising filter|a reflector|manual focus|a light meter|a remote shutter release|a neutral density filter|RAW files"),
			adjs:     list("golden-hour|overcast|harsh midday|blue-hour|foggy|low-key|high-contrast|soft"),
			plcs:     list("a city market|the harbour wall|a studio corner|the moors|an old railway station|a botanical garden"),
			titles:   list("{N} ideas for {S}|{S} at {P}|getting started with {S}|{S} using {T}"),
			sentences: list(
				"{A} light at {P} flatters almost any subject.|" +
					"{W} shoots {S} almost exclusively with {T}.|" +
					"Take {N} frames of the same scene and choose later.|" +
					"Using {T} cut the time spent editing by roughly {Q} percent.|" +
					"Get closer than feels comfortable; most pictures improve.|" +
					"The camera in this series dates from {Y} and still works perfectly.|" +
					"Watch the edges of the frame as carefully as the subject.|" +
					"Print your favourites; screens hide flaws and strengths alike.|" +
					"In {A} conditions, expose for the highlights and lift the shadows later.|" +
					"Ask permission before photographing people up close."),
		},
	}
}
