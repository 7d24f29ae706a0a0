#include "passphrasewords.h"

#include "crypto/crypto.h"

#include <QStringList>

#include <algorithm>
#include <iterator>

namespace liaison::app {

namespace {

// Generated from a hand-made list of common concrete English nouns (lower case, 3 to 9 letters,
// no two alike). Used only to suggest passphrases; the strength check knows nothing of it.
// clang-format off
constexpr const char *kWords[] = {
    "acid", "acorn", "actor", "adobe", "agent", "alarm", "album", "alder",
    "alley", "alpine", "amber", "anchor", "angle", "ankle", "apple", "apron",
    "arch", "arena", "armor", "arrow", "aspen", "atlas", "attic", "autumn",
    "avenue", "badge", "badger", "bagel", "baker", "bamboo", "banjo", "barge",
    "barley", "barn", "basil", "basin", "basket", "beach", "beacon", "beaker",
    "beard", "beaver", "beetle", "bell", "bench", "berry", "bicycle", "binder",
    "birch", "biscuit", "bison", "blade", "blanket", "blizzard", "blossom", "board",
    "bobcat", "bonnet", "border", "bottle", "boulder", "bracket", "bramble", "branch",
    "brass", "bread", "breadth", "breeze", "brick", "bridge", "brook", "broom",
    "bucket", "buckle", "buffalo", "bugle", "bundle", "burrow", "butter", "button",
    "cabbage", "cabin", "cactus", "camel", "camera", "canal", "candle", "canoe",
    "canvas", "canyon", "caramel", "carbon", "cargo", "carpet", "carrot", "cashew",
    "castle", "cattle", "cedar", "celery", "cellar", "cement", "chalk", "channel",
    "chapel", "cherry", "cherub", "chess", "chimney", "chisel", "cider", "cinema",
    "circle", "citrus", "clamp", "clay", "cliff", "clock", "cloud", "clover",
    "coast", "cobalt", "cobweb", "cocoa", "coconut", "coffee", "collar", "comet",
    "compass", "condor", "cookie", "copper", "coral", "cosmos", "cottage", "cotton",
    "coyote", "cradle", "crane", "crater", "crayon", "creek", "cricket", "crocus",
    "crown", "crystal", "cube", "cupboard", "cupcake", "curtain", "cushion", "cypress",
    "dahlia", "daisy", "dancer", "dandelion", "delta", "denim", "desert", "diamond",
    "dingo", "dinner", "dolphin", "domino", "donkey", "dove", "dragon", "drawer",
    "dream", "driftwood", "drum", "dune", "eagle", "easel", "echo", "eel",
    "egret", "elbow", "elephant", "elm", "ember", "emerald", "engine", "falcon",
    "falconer", "feather", "fennel", "fern", "ferret", "ferry", "fiddle", "field",
    "figure", "filter", "finch", "fjord", "flag", "flame", "flamingo", "flannel",
    "flint", "flute", "fog", "forest", "forge", "fossil", "fountain", "fox",
    "frame", "frost", "galaxy", "garden", "garlic", "gazelle", "gecko", "gerbil",
    "geyser", "ginger", "glacier", "glitter", "glove", "goblet", "gondola", "goose",
    "gorilla", "gourd", "granite", "grape", "gravel", "grotto", "guitar", "gull",
    "hammer", "hamster", "harbor", "harp", "harvest", "hawk", "hazel", "hedgehog",
    "helmet", "heron", "hibiscus", "hickory", "hill", "honey", "horizon", "hornet",
    "horse", "husky", "iceberg", "iguana", "inkwell", "island", "ivory", "jacket",
    "jaguar", "jasmine", "jay", "jelly", "jewel", "jigsaw", "juniper", "kayak",
    "kernel", "kestrel", "kettle", "kite", "kiwi", "koala", "ladder", "lagoon",
    "lake", "lamp", "lantern", "larch", "lark", "laurel", "lava", "lemon",
    "lemur", "lens", "lettuce", "lilac", "lily", "linen", "lion", "lizard",
    "llama", "lobster", "locket", "lotus", "lumber", "lynx", "magnet", "magpie",
    "mallard", "mammoth", "manatee", "mandolin", "mango", "maple", "marble", "marigold",
    "marsh", "meadow", "melon", "meteor", "minnow", "mirror", "mist", "mitten",
    "mole", "mongoose", "monsoon", "moose", "mosaic", "moss", "moth", "motor",
    "mountain", "muffin", "mulberry", "mural", "mustard", "napkin", "narwhal", "nebula",
    "nectar", "needle", "nest", "newt", "nickel", "nightjar", "noodle", "nutmeg",
    "oak", "oasis", "ocean", "ocelot", "octopus", "olive", "onion", "opal",
    "orange", "orbit", "orca", "orchard", "orchid", "oriole", "osprey", "ostrich",
    "otter", "oven", "owl", "oyster", "paddle", "palace", "panda", "pansy",
    "panther", "papaya", "paper", "parrot", "parsley", "pasta", "peach", "peacock",
    "pebble", "pecan", "pelican", "pencil", "penguin", "peony", "pepper", "petal",
    "pheasant", "piano", "pickle", "pigeon", "pillow", "pine", "pinecone", "pistachio",
    "planet", "plaster", "platypus", "plover", "plum", "pocket", "pond", "pony",
    "poplar", "poppy", "potato", "pottery", "prairie", "prism", "puffin", "pulley",
    "pumpkin", "puzzle", "python", "quail", "quarry", "quartz", "quill", "quokka",
    "rabbit", "raccoon", "radar", "radish", "raft", "rain", "raisin", "raven",
    "redwood", "reef", "reindeer", "rhubarb", "ribbon", "ridge", "river", "robin",
    "rocket", "rose", "saddle", "saffron", "salmon", "sandal", "sandpiper", "sapphire",
    "satin", "saucer", "scallop", "scarf", "schooner", "seahorse", "sequoia", "shadow",
    "shell", "shovel", "shrimp", "silver", "sketch", "skylark", "sled", "slope",
    "sloth", "snail", "snow", "socket", "sofa", "sorrel", "sparrow", "spider",
    "spinach", "spoon", "sprout", "spruce", "squirrel", "stable", "stamp", "starfish",
    "starling", "statue", "steam", "stone", "stork", "straw", "stream", "studio",
    "sugar", "summit", "sunflower", "sunset", "swallow", "swan", "sweater", "sycamore",
    "table", "tablet", "tadpole", "tailor", "tamarind", "tango", "tapir", "teapot",
    "tent", "thimble", "thistle", "thrush", "thunder", "tiger", "timber", "toast",
    "tomato", "topaz", "torch", "toucan", "tower", "trail", "tram", "trout",
    "truffle", "tulip", "tuna", "tundra", "tunnel", "turnip", "turtle", "umbrella",
    "valley", "vanilla", "velvet", "violet", "violin", "volcano", "wagon", "walnut",
    "walrus", "wander", "warbler", "wasp", "water", "wave", "weasel", "whale",
    "wheat", "whistle", "wildcat", "willow", "window", "winter", "wizard", "wombat",
    "wool", "wren", "yacht", "yak", "yarrow", "yogurt", "zebra", "zephyr",
    "zinc", "zucchini",
};
// clang-format on

} // namespace

int passphraseWordCount()
{
    return int(std::size(kWords));
}

QString suggestPassphrase(int words)
{
    QStringList out;
    for (int i = 0; i < std::max(words, 5); ++i)
        out.append(QLatin1String(kWords[crypto::randomUniform(std::uint32_t(std::size(kWords)))]));
    return out.join(QLatin1Char(' '));
}

} // namespace liaison::app
