/* The TPC-H text pool (tpch_text.h). A sentence is one of the grammar's
 * templates (noun phrase, verb phrase, prepositional phrase, terminator);
 * each word is drawn from the specification's weighted word lists. */
#include "tpch_text.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *w;
    int weight;
} word_t;

typedef struct {
    const word_t *v;
    int n, total;
} list_t;

#define LIST(a)                                                                                    \
    {                                                                                              \
        a, (int)(sizeof a / sizeof a[0]), 0                                                        \
    }

static const word_t nouns[] = {
    {"packages", 40},      {"requests", 40},     {"accounts", 40},    {"deposits", 40},
    {"foxes", 20},         {"ideas", 20},        {"theodolites", 20}, {"pinto beans", 20},
    {"instructions", 20},  {"dependencies", 10}, {"excuses", 10},     {"platelets", 10},
    {"asymptotes", 10},    {"courts", 5},        {"dolphins", 5},     {"multipliers", 1},
    {"sauternes", 1},      {"warthogs", 1},      {"frets", 1},        {"dinos", 1},
    {"attainments", 1},    {"somas", 1},         {"Tiresias", 1},     {"patterns", 1},
    {"forges", 1},         {"braids", 1},        {"frays", 1},        {"warhorses", 1},
    {"dugouts", 1},        {"notornis", 1},      {"epitaphs", 1},     {"pearls", 1},
    {"tithes", 1},         {"waters", 1},        {"orbits", 1},       {"gifts", 1},
    {"sheaves", 1},        {"depths", 1},        {"sentiments", 1},   {"decoys", 1},
    {"realms", 1},         {"pains", 1},         {"grouches", 1},     {"escapades", 1},
    {"hockey players", 1},
};
static const word_t verbs[] = {
    {"sleep", 20},    {"wake", 20},    {"are", 20},   {"cajole", 20}, {"haggle", 20},
    {"nag", 10},      {"use", 10},     {"boost", 10}, {"affix", 5},   {"detect", 5},
    {"integrate", 5}, {"maintain", 1}, {"nod", 1},    {"was", 1},     {"lose", 1},
    {"sublate", 1},   {"solve", 1},    {"thrash", 1}, {"promise", 1}, {"engage", 1},
    {"hinder", 1},    {"print", 1},    {"x-ray", 1},  {"breach", 1},  {"eat", 1},
    {"grow", 1},      {"impress", 1},  {"mold", 1},   {"poach", 1},   {"serve", 1},
    {"run", 1},       {"dazzle", 1},   {"snooze", 1}, {"doze", 1},    {"unwind", 1},
    {"kindle", 1},    {"play", 1},     {"hang", 1},   {"believe", 1}, {"doubt", 1},
};
static const word_t adverbs[] = {
    {"sometimes", 1},  {"always", 1},     {"never", 1},      {"furiously", 50},  {"slyly", 50},
    {"carefully", 50}, {"blithely", 40},  {"quickly", 30},   {"fluffily", 20},   {"slowly", 1},
    {"quietly", 1},    {"ruthlessly", 1}, {"thinly", 1},     {"closely", 1},     {"doggedly", 1},
    {"daringly", 1},   {"bravely", 1},    {"stealthily", 1}, {"permanently", 1}, {"enticingly", 1},
    {"idly", 1},       {"busily", 1},     {"regularly", 1},  {"finally", 1},     {"ironically", 1},
    {"evenly", 1},     {"boldly", 1},     {"silently", 1},
};
static const word_t adjectives[] = {
    {"special", 20}, {"pending", 20}, {"unusual", 20}, {"express", 20}, {"furious", 1},
    {"sly", 1},      {"careful", 1},  {"blithe", 1},   {"quick", 1},    {"fluffy", 1},
    {"slow", 1},     {"quiet", 1},    {"ruthless", 1}, {"thin", 1},     {"close", 1},
    {"dogged", 1},   {"daring", 1},   {"brave", 1},    {"stealthy", 1}, {"permanent", 1},
    {"enticing", 1}, {"idle", 1},     {"busy", 1},     {"regular", 50}, {"final", 40},
    {"ironic", 40},  {"even", 30},    {"bold", 20},    {"silent", 10},
};
static const word_t prepositions[] = {
    {"about", 50},
    {"above", 50},
    {"according to", 50},
    {"across", 50},
    {"after", 50},
    {"against", 40},
    {"along", 40},
    {"alongside of", 30},
    {"among", 30},
    {"around", 20},
    {"at", 10},
    {"atop", 1},
    {"before", 1},
    {"behind", 1},
    {"beneath", 1},
    {"beside", 1},
    {"besides", 1},
    {"between", 1},
    {"beyond", 1},
    {"by", 1},
    {"despite", 1},
    {"during", 1},
    {"except", 1},
    {"for", 1},
    {"from", 1},
    {"in place of", 1},
    {"inside", 1},
    {"instead of", 1},
    {"into", 1},
    {"near", 1},
    {"of", 1},
    {"on", 1},
    {"outside", 1},
    {"over", 1},
    {"past", 1},
    {"since", 1},
    {"through", 1},
    {"throughout", 1},
    {"to", 1},
    {"toward", 1},
    {"under", 1},
    {"until", 1},
    {"up", 1},
    {"upon", 1},
    {"without", 1},
    {"with", 1},
    {"within", 1},
};
static const word_t auxiliaries[] = {
    {"do", 1},
    {"may", 1},
    {"might", 1},
    {"shall", 1},
    {"will", 1},
    {"would", 1},
    {"can", 1},
    {"could", 1},
    {"should", 1},
    {"ought to", 1},
    {"must", 1},
    {"will have to", 1},
    {"shall have to", 1},
    {"could have to", 1},
    {"should have to", 1},
    {"must have to", 1},
    {"need to", 1},
    {"try to", 1},
};
static const word_t terminators[] = {{".", 50}, {";", 1}, {":", 1}, {"?", 1}, {"!", 1}, {"--", 1}};
/* templates: N noun phrase, V verb phrase, P prepositional phrase, T terminator */
static const word_t sentences[] = {
    {"NVT", 3}, {"NVPT", 3}, {"NVNT", 3}, {"NPVNT", 1}, {"NPVPT", 1},
};
/* noun phrases: n noun, j adjective, d adverb, ',' a comma after the previous word */
static const word_t noun_phrases[] = {{"n", 10}, {"jn", 20}, {"j,jn", 10}, {"djn", 50}};
/* verb phrases: v verb, x auxiliary, d adverb */
static const word_t verb_phrases[] = {{"v", 30}, {"xv", 1}, {"vd", 40}, {"xvd", 1}};

static list_t l_noun = LIST(nouns), l_verb = LIST(verbs), l_adv = LIST(adverbs),
              l_adj = LIST(adjectives), l_prep = LIST(prepositions), l_aux = LIST(auxiliaries),
              l_term = LIST(terminators), l_sent = LIST(sentences), l_np = LIST(noun_phrases),
              l_vp = LIST(verb_phrases);

#define POOL_BYTES (16u << 20)
static char *pool;
static size_t pool_len;

static const char *pick(list_t *l, gen_rng_t *r)
{
    if (!l->total)
        for (int i = 0; i < l->n; i++)
            l->total += l->v[i].weight;
    int64_t x = gen_range(r, 0, l->total - 1);
    for (int i = 0; i < l->n; i++)
        if ((x -= l->v[i].weight) < 0) return l->v[i].w;
    return l->v[l->n - 1].w;
}

static void put(const char *w)
{
    size_t n = strlen(w);
    if (pool_len + n + 1 >= POOL_BYTES) return;
    if (pool_len && pool[pool_len - 1] != ' ') pool[pool_len++] = ' ';
    memcpy(pool + pool_len, w, n);
    pool_len += n;
}

static void phrase(const char *shape, gen_rng_t *r)
{
    for (const char *c = shape; *c; c++) {
        if (*c == ',') { /* "J, J N": the comma sticks to the previous word */
            if (pool_len + 1 < POOL_BYTES) pool[pool_len++] = ',';
            continue;
        }
        list_t *l = *c == 'n'   ? &l_noun
                    : *c == 'j' ? &l_adj
                    : *c == 'd' ? &l_adv
                    : *c == 'v' ? &l_verb
                                : &l_aux;
        put(pick(l, r));
    }
}

static void sentence(gen_rng_t *r)
{
    for (const char *c = pick(&l_sent, r); *c; c++) {
        if (*c == 'N')
            phrase(pick(&l_np, r), r);
        else if (*c == 'V')
            phrase(pick(&l_vp, r), r);
        else if (*c == 'P') {
            put(pick(&l_prep, r));
            put("the");
            phrase(pick(&l_np, r), r);
        } else { /* the terminator follows the last word directly */
            const char *t = pick(&l_term, r);
            size_t n = strlen(t);
            if (pool_len + n + 1 < POOL_BYTES) {
                memcpy(pool + pool_len, t, n);
                pool_len += n;
                pool[pool_len++] = ' ';
            }
        }
    }
}

int tpch_text_init(uint64_t seed)
{
    if (!(pool = malloc(POOL_BYTES))) return LH_ENOMEM;
    gen_rng_t r = {seed};
    while (pool_len + 1000 < POOL_BYTES)
        sentence(&r);
    return 0;
}

const char *tpch_text(gen_rng_t *r, int min, int max, size_t *len)
{
    *len = (size_t)gen_range(r, min, max);
    return pool + gen_range(r, 0, (int64_t)(pool_len - *len - 1));
}
