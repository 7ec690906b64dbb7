/**
 * The word list of one-time codes: 1340 short English words, written for
 * Walkie (not copied from another list). Every word is 3 to 8 letters a-z and
 * the list holds to rules that make codes easy to read out and to type:
 * - the first four letters (or the whole word, if shorter) name one word, and
 *   no word is the start of another, so typing can stop at four letters;
 * - any two words differ in at least two letters (edit distance 2), so one
 *   typo gives an unknown word instead of a different valid code;
 * - no two words share a consonant frame when vowels and sound-alike
 *   consonants (b/p, d/t, g/k, f/v, s/z, m/n) are merged, which rules out
 *   homophones such as tail/tale and near misses such as pine/bean;
 * - no number words, brand names, US/UK spelling variants, silent-letter
 *   spellings (knot, wrist, thyme) or words that are unkind to read out.
 * one-time-code.test.ts checks every rule. Changing the list changes which codes
 * parse, so do not reorder or edit it casually; order does not matter on the
 * wire, since codes carry words, never indexes.
 */
const WORDS = `
absorb achieve acorn acrobat actor adjust admiral advent aerial afloat agent agile airbag
airfield airline airship alarm album almanac alphabet alto amber amble amethyst amount amulet
anagram anchor ancient angel ankle annual antenna anthem antique antler anvil apex apple apricot
apron aqua aqueduct arcade arch arena armada armchair arrow artful artist artwork ascend ash
aspen asphalt aspire assembly asteroid athlete atlas atoll atom atrium attic auburn auction
audio aura author autumn avenue average aviator avid avocado axis azure backpack badge bagel
bagpipe bakery balcony ballet balmy bamboo banana bandit banister banjo banner banquet bargain
barley barn barrel baseball basil basket bathtub baton battery bay beach beaver bedrock bedtime
beehive beeswax belt benefit bicycle billiard biology biplane birch bird bison blade blanket
blazer blender blimp blissful blizzard blossom blotch blue bluff boat bobcat bobsled bonfire
bongo bonnet bonus bookcase border bottle boulder bounce bowling boxer boxing bracket bramble
branch brass brave bread breezy brick bridge bristle bronze broom brownie bubble bucket buddy
buffalo buggy bugle bulb bulldog bumper bundle bungalow burger burlap burrow butter buzzard
cabana cabbage cabin caboose cactus cadet calculus calico camel camp candle cannery canoe
canteen canyon cape capsule captain capybara caramel carbon cardigan carefree cargo caribou
carnival carousel carpet carrot carve cascade cashew castle catapult catfish catnip cauldron
cavity cedar celery cement census ceramic chair chalk chamber chant chapter charm checkers
cheddar cheetah cherry chess chicken chimney chip chirpy chisel chuckle chummy cinder cinema
circus citadel citizen citrus civic clam clarinet classic cliff climb clinic clock cloud clover
coastal cobalt cobbler cobra cobweb cocoa coffee colander coleslaw collar colt column comet
comfort comic compass concept condor confetti console contact convoy copper coral cork corner
corridor cosmos costume cotton cougar courage cove cowboy cowgirl coyote crackle cradle crafty
cranky crater crayon creek crest cricket crimson crisp crocus crossing crow crumb crunch crystal
cuddly cupboard cupcake cupid curly cursive curtain cushion cutlery cyclone dahlia dainty daisy
dale dancer dapper dart dawn daybreak daydream dazzle decimal delight delta denim dentist
deposit deputy derby descend desert detail detour devoted dewdrop diagram diamond digit dimpled
dinner diploma disco dispatch distant dive diving dock dogwood dolphin domino donkey door
dormant dragon dreamy drift drizzle drowsy drum duckling duffel dumpling dusk dwarf dynamic
eager eagle earnest easel east ebony echo eclipse edible edition eel egg elastic elated elbow
elder elegant elephant elevate elf embassy embers emblem emerald enamel encore endure energy
engage engine enrich envelope epic episode equator equinox erosion errand essay estate estuary
evening ever evolve exhibit exotic expert explore fabled fabric faculty fairy falcon fancy
fantasy farm fearless feather fedora fencing fender ferret festival fiddle field fiesta fig film
finale finch finite fire fish fitness fixture flag flame flannel flapjack flash flexible flicker
flint flora flourish flower fluffy flute foal folklore fondue football forest forge forklift
formula fort forum fossil fountain fox fragile freckle freezer fresh friction friendly fringe
frog frolic frontier frost fudge furnish fuzzy gadget galaxy gallop game gardener garlic garment
garnet gateway gather gazelle gemstone geranium gesture giant gift giggle ginger giraffe glacier
glass gleeful glider glimmer glisten globe glossy glow goblin goggles golden gondola gopher
gorilla graceful grammar granite grape grassy gravel grid grove guitar gull gumdrop gust habit
hail halfway halo hamlet hammer hamster hand hardy harmony harness harp harvest hat hawk
haystack hazard hazel headline healthy heart hedge heirloom helmet helpful heritage heron
hexagon hiccup hickory hidden highland hilltop hippo hockey holiday homework honey honk hoodie
hoop hopeful horizon hornet hospital hotel house huddle humane humble humid hunger husky hustle
iceberg icicle icing idea igloo iguana imagine impact impress impulse index indigo ink inland
inlet insect insight instant interval intro invent inward iris iron italic ivory ivy jacket
jaguar jam jasmine jasper javelin jazz jelly jet jewel jigsaw jog journey jovial judo juggler
juicy jukebox jumbo jump junction jungle juniper jury justice kangaroo kayak keepsake kelp
kettle key kindred kinetic king kiosk kitchen koala lace ladder ladybug lagoon lakeside lamb
landmark lantern laptop lark laser lasso lasting latch latitude laundry lava lavender lavish
leading leaf learner leeway legacy legend lemon lens lentil liberty library lid lifeboat lilac
lily lime linden lingo liquid list little lively lizard llama loafer lobby lobster lodge loft
logo lollipop lookout lotion lotus loyalty luggage lullaby lumber luminous lunar lunch lyric
macaw magazine magic magnet mailbox mainland majestic mammoth mandarin mango mansion mantis
manual maple marathon marble margin marina marsh marvel mask massive mastery matrix maximum
mayor meadow meal measure meatball mechanic meerkat melon memento memo mentor mercury merit
merry mesa method midway migrate mild mimic mineral minibus mint miracle mirror misty mitten
mocha model modular molten momentum monarch monument moon moose mosaic moth motive motor muffin
mulberry multiply mural museum mushroom mustard mystic namesake napkin narwhal nautical navy
nearby necktie nectar needle nest nickel nifty nimble ninja normal north notebook novel novice
nucleus nurture nutmeg oak oasis oatmeal oblong oboe observe obvious ocean octave octopus
offbeat offshore olive onion opal opera opinion optimum orange orbit orchid organ origin osprey
ostrich otter outback outfield outlook outpost outset ovation oven overall owl oxygen oyster
pacific paddock page pagoda paint palace palomino pancake panda panther paper parakeet parcel
pardon parka parsley party passport pasta patchy pathway patient patron pavement pavilion
peacock pearl pelican pencil pendant penguin perfume persist petal petunia phone photo piano
picnic pigeon pillow pinball pine pinwheel pirate pitcher pivot pixel pizza placard planet
platter playful plaza pleasant plenty pliers plucky plume plush poised polar polished polka
pollen poncho ponytail pool popcorn poppy popular portal postcard potato pothole potluck
practice prairie precise premium presto pretzel printer prism prodigy profile prologue promise
prosper protein proverb pudding pulse pumpkin puppet pursuit puzzle pyramid quail quantum quartz
queen quest quiet quiz quota rabbit raccoon radar radio raft railroad rainbow raisin rambling
rapids rattle raven razor rebound recess recipe reclaim recorder redwood reef refuge regal
reindeer relay relish remedy remote renown replica reptile reserve resort respect revival ribbon
ripple river roadster roam robust rocket rooftop roomy rooster rope rosemary rosy rotunda rowing
royal ruby ruffle rug ruler runway rustic rye saffron sailing salad salsa salt sandal sardine
satchel satin saturn sauce sauna sawdust scale scarf scenery scholar scone scooter scout
scramble screw sculpt seagull seahorse season seedling segment sentry serpent setback shadow
shamrock shark sheep shell sheriff shiny shipyard shoelace shore shovel showcase shrimp shuttle
sidewalk sierra signal silk silver sincere singular siren sister sizzle skating sketch ski
skylark sled sleepy sleigh slipper slope smoke smoothie snail snappy sneaker snorkel snow soap
soccer sofa solace soloist sonata song sonic south soybean spacious spaniel sparrow spectrum
spice spider spinach spiral splash splendid sponge spoon sporty spring sprout spruce spud square
squirrel stadium stage stamp staple star statue steam stellar stencil stingray stitch stork
straw street stripe stroll strudel student sturdy subtle sugar summer sunbeam sunken sunlit
sunrise sunset supreme surf survey sushi swallow swan sweater swift swimsuit swing symbolic
symphony synergy syrup table taco tactile tadpole tailgate talent talisman tangible tank
tapestry tapioca tartan tassel tavern teacup teamwork teapot teardrop teaspoon telegram tennis
tent terrace textbook theorem thermal thimble thistle thorn thriller thrush thunder tiara tidbit
tidy tiger timber timeline tinker tinsel tiptoe titan toast toboggan tofu token tolerant tomato
tonight toolbox topaz topic topsoil torch tornado tourist toy tractor trail tranquil treasure
tree triangle tribe tricycle trinket triumph trolley trombone trooper trophy trout truck trumpet
trusty tuba tugboat tulip tumbler tundra tunic tunnel turbine turkey turnip turret turtle tweed
twig twilight twine twirl typhoon ultra umbrella unicorn unison unit upbeat upland upper
upstairs uptown urban urgent utensil utopia vacancy valiant valley valve vanilla variety vector
velvet venus verdant verse vertical veteran viaduct vibrant victory vigilant viking village
vineyard vintage violin viper visible visor vitamin vivid vocal volcano voyager vulture waddle
wafer waffle wagon walk wallaby walnut walrus waltz warbler wardrobe warmth warren wasp watchman
waterway wave wax wayside web welcome wharf wheat wheel whippet whisper wicket wildcat window
winter wireless wise wishbone wistful witty wolf wombat woodland woolly workshop world worm
worthy year yellow yeti yoga young youthful yoyo yurt zebra zen zesty zigzag zipper zoo
`;

/** The one-time code words, sorted. */
export const WORDLIST: readonly string[] = Object.freeze(WORDS.trim().split(/\s+/));
