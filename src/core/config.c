/* Configuration: one static table of keys (section.key, default, help, type,
 * secret flag, fixed env/flag names). lh_config_load() layers the sources
 * defaults < YAML file < environment < flags, validates every value against
 * its key's type and remembers where each value came from, so `config show`
 * can print it and `config doc` can generate docs/config.md from the table. */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "core/str.h"

enum { T_STR, T_INT, T_LISTEN, T_URL, T_ENUM, T_LIST, T_PATH };
enum { SRC_DEFAULT, SRC_FILE, SRC_ENV, SRC_FLAG, SRC_RUNTIME };

typedef struct {
    const char *section;
    const char *key;
    const char *def;  /* NULL = unset; dags_dir is computed */
    int type;
    const char *choices; /* T_ENUM: "a|b|c" */
    int secret;
    const char *env;  /* NULL = LAKEHOUSE_<SECTION>_<KEY> */
    const char *flag; /* NULL = --<section>-<key> */
    const char *help;
} key_def_t;

static const key_def_t keys[] = {
    {"core", "data_dir", "./lakehouse-data", T_PATH, NULL, 0, "LAKEHOUSE_DATA_DIR", "--data-dir",
     "data directory owned by one process (lock, metadata, lake)"},
    {"core", "config", NULL, T_PATH, NULL, 0, "LAKEHOUSE_CONFIG", "--config",
     "YAML configuration file (default `<data-dir>/lakehouse.yaml` when it exists)"},
    {"core", "access_key", NULL, T_STR, NULL, 0, "LAKEHOUSE_ACCESS_KEY", NULL,
     "root user's access key; CLI clients log in with it"},
    {"core", "secret_key", NULL, T_STR, NULL, 1, "LAKEHOUSE_SECRET_KEY", NULL,
     "root user's secret key; CLI clients log in with it"},
    {"core", "url", "http://127.0.0.1:8080", T_URL, NULL, 0, "LAKEHOUSE_URL", NULL,
     "where CLI clients find the running platform (web listener)"},
    {"core", "dags_dir", NULL, T_PATH, NULL, 0, "LAKEHOUSE_DAGS_DIR", NULL,
     "directory of DAG files"},
    {"core", "log_format", "text", T_ENUM, "text|json", 0, NULL, NULL, "log line format: text or json"},
    {"core", "log_level", "info", T_ENUM, "debug|info|warn|error", 0, NULL, NULL,
     "lowest level logged: debug, info, warn or error"},
    {"core", "worker_threads", "16", T_INT, NULL, 0, NULL, NULL,
     "threads of the worker pool for blocking work (fsync, hashing, SQLite)"},
    {"store", "listen", "127.0.0.1:9000", T_LISTEN, NULL, 0, NULL, NULL,
     "S3 API listener host:port (port 0 picks a free port)"},
    {"store", "domain", "localhost", T_STR, NULL, 0, NULL, NULL,
     "domain for virtual-host style addressing (`<bucket>.<domain>`)"},
    {"store", "region", "us-east-1", T_STR, NULL, 0, NULL, NULL, "region name used by SigV4"},
    {"store", "tls_cert", NULL, T_PATH, NULL, 0, NULL, NULL, "PEM certificate: serve S3 over TLS"},
    {"store", "tls_key", NULL, T_PATH, NULL, 0, NULL, NULL, "PEM private key for `store.tls_cert`"},
    {"store", "lake_bucket", "lakehouse", T_STR, NULL, 0, NULL, NULL,
     "bucket created on first start for the lake"},
    {"store", "lake_folders", "bronze,silver,gold", T_LIST, NULL, 0, NULL, NULL,
     "folder markers created in the lake bucket (comma-separated)"},
    {"store", "max_header_bytes", "65536", T_INT, NULL, 0, NULL, NULL,
     "largest accepted request head in bytes"},
    {"store", "max_headers", "128", T_INT, NULL, 0, NULL, NULL, "most request headers accepted"},
    {"store", "inline_max", "65536", T_INT, NULL, 0, NULL, NULL,
     "objects up to this many bytes are kept inside the index (one flush per PUT); 0 = never, "
     "at most 1048576"},
    {"web", "listen", "127.0.0.1:8080", T_LISTEN, NULL, 0, NULL, NULL,
     "web listener host:port: REST API, /metrics, /healthz, /readyz"},
    {"web", "tls_cert", NULL, T_PATH, NULL, 0, NULL, NULL, "PEM certificate: serve the web listener over TLS"},
    {"web", "tls_key", NULL, T_PATH, NULL, 0, NULL, NULL, "PEM private key for `web.tls_cert`"},
};
#define NKEYS ((int)(sizeof keys / sizeof keys[0]))

static const char *const src_names[] = {"default", "file", "env", "flag", "runtime"};

typedef struct {
    char *value; /* malloc'd, or NULL = unset */
    int source;
} value_t;

struct lh_config {
    value_t v[NKEYS];
};

/* --- key lookup and names --- */

static int find_key(const char *section, size_t slen, const char *key)
{
    for (int i = 0; i < NKEYS; i++)
        if (strlen(keys[i].section) == slen && !strncmp(keys[i].section, section, slen) &&
            !strcmp(keys[i].key, key))
            return i;
    return -1;
}

static int section_known(const char *section)
{
    for (int i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].section, section))
            return 1;
    return 0;
}

static int find_dotted(const char *name)
{
    const char *dot = strchr(name, '.');
    return dot ? find_key(name, (size_t)(dot - name), dot + 1) : -1;
}

static void env_name(const key_def_t *k, char *out, size_t cap)
{
    if (k->env) {
        snprintf(out, cap, "%s", k->env);
        return;
    }
    snprintf(out, cap, "LAKEHOUSE_%s_%s", k->section, k->key);
    for (char *p = out; *p; p++)
        *p = (char)toupper((unsigned char)*p);
}

static void flag_name(const key_def_t *k, char *out, size_t cap)
{
    if (k->flag) {
        snprintf(out, cap, "%s", k->flag);
        return;
    }
    snprintf(out, cap, "--%s-%s", k->section, k->key);
    for (char *p = out + 2; *p; p++)
        if (*p == '_')
            *p = '-';
}

/* --- validation by type --- */

static int valid_listen(const char *v)
{
    const char *colon = strrchr(v, ':');
    if (!colon || colon == v)
        return 0;
    if (v[0] == '[' && colon[-1] != ']')
        return 0;
    int64_t port;
    return lh_parse_i64(colon + 1, &port) == 0 && port >= 0 && port <= 65535;
}

static int valid_enum(const char *choices, const char *v)
{
    size_t n = strlen(v);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && !strncmp(p, v, n))
            return 1;
        p += len + (bar ? 1 : 0);
    }
    return 0;
}

static int check_value(const key_def_t *k, const char *v, const char *src, lh_err_t *err)
{
    int64_t n;
    switch (k->type) {
    case T_INT:
        if (lh_parse_i64(v, &n) != 0 || n < 0)
            return lh_err_set(err, LH_EINVAL, "bad value '%s' for %s.%s from %s: not a non-negative integer",
                              v, k->section, k->key, src);
        break;
    case T_LISTEN:
        if (!valid_listen(v))
            return lh_err_set(err, LH_EINVAL, "bad value '%s' for %s.%s from %s: not host:port", v,
                              k->section, k->key, src);
        break;
    case T_URL:
        if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
            return lh_err_set(err, LH_EINVAL, "bad value '%s' for %s.%s from %s: not an http(s) url",
                              v, k->section, k->key, src);
        break;
    case T_ENUM:
        if (!valid_enum(k->choices, v))
            return lh_err_set(err, LH_EINVAL, "bad value '%s' for %s.%s from %s: expected %s", v,
                              k->section, k->key, src, k->choices);
        break;
    default:
        break;
    }
    return 0;
}

static int put(lh_config_t *cfg, int i, const char *v, int source, const char *what, lh_err_t *err)
{
    int rc = check_value(&keys[i], v, what, err);
    if (rc)
        return rc;
    char *dup = strdup(v);
    if (!dup)
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    free(cfg->v[i].value);
    cfg->v[i].value = dup;
    cfg->v[i].source = source;
    return 0;
}

/* --- flags: pulled out of argv; the rest is compacted for the caller --- */

#define MAX_FLAGS 64

typedef struct {
    int key;
    const char *value;
} flag_t;

static int match_flag(const char *arg, const char **value)
{
    char name[96];
    for (int i = 0; i < NKEYS; i++) {
        flag_name(&keys[i], name, sizeof name);
        size_t n = strlen(name);
        if (!strncmp(arg, name, n) && (arg[n] == '\0' || arg[n] == '=')) {
            *value = arg[n] == '=' ? arg + n + 1 : NULL;
            return i;
        }
    }
    return -1;
}

static int take_flags(int *argc, char **argv, flag_t *flags, int *nflags, lh_err_t *err)
{
    int out = 0, n = 0;
    for (int i = 0; i < *argc; i++) {
        const char *val;
        int k = !strcmp(argv[i], "--") ? -2 : match_flag(argv[i], &val);
        if (k == -2) { /* everything after "--" stays for the caller */
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (k < 0) {
            argv[out++] = argv[i];
            continue;
        }
        if (!val) {
            if (i + 1 >= *argc)
                return lh_err_set(err, LH_EINVAL, "flag %s needs a value", argv[i]);
            val = argv[++i];
        }
        if (n >= MAX_FLAGS)
            return lh_err_set(err, LH_EINVAL, "too many configuration flags");
        flags[n++] = (flag_t){k, val};
    }
    *argc = out;
    *nflags = n;
    return 0;
}

static const char *flag_value(const flag_t *flags, int nflags, int key)
{
    const char *v = NULL;
    for (int i = 0; i < nflags; i++)
        if (flags[i].key == key)
            v = flags[i].value; /* the last one wins */
    return v;
}

/* --- YAML file --- */

static int yaml_scalar_value(yaml_document_t *doc, yaml_node_t *node, char *out, size_t cap)
{
    if (node->type == YAML_SCALAR_NODE) {
        size_t n = node->data.scalar.length;
        if (n >= cap)
            return -1;
        memcpy(out, node->data.scalar.value, n);
        out[n] = '\0';
        return 0;
    }
    if (node->type != YAML_SEQUENCE_NODE)
        return -1;
    size_t len = 0;
    out[0] = '\0';
    for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
        yaml_node_t *item = yaml_document_get_node(doc, *it);
        if (!item || item->type != YAML_SCALAR_NODE || len + item->data.scalar.length + 2 >= cap)
            return -1;
        if (len)
            out[len++] = ',';
        memcpy(out + len, item->data.scalar.value, item->data.scalar.length);
        len += item->data.scalar.length;
        out[len] = '\0';
    }
    return 0;
}

static int apply_section(lh_config_t *cfg, yaml_document_t *doc, const char *section,
                         yaml_node_t *map, const char *path, lh_err_t *err)
{
    char what[4200], val[4096];
    if (map->type != YAML_MAPPING_NODE)
        return lh_err_set(err, LH_EINVAL, "bad section %s in %s: expected a mapping", section, path);
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(doc, p->value);
        if (!kn || !vn || kn->type != YAML_SCALAR_NODE)
            return lh_err_set(err, LH_EINVAL, "bad key in section %s of %s", section, path);
        const char *key = (const char *)kn->data.scalar.value;
        int i = find_key(section, strlen(section), key);
        if (i < 0)
            return lh_err_set(err, LH_EINVAL, "unknown key %s.%s in %s", section, key, path);
        if (yaml_scalar_value(doc, vn, val, sizeof val) != 0)
            return lh_err_set(err, LH_EINVAL, "bad value for %s.%s in %s: expected a scalar", section,
                              key, path);
        snprintf(what, sizeof what, "file %s", path);
        int rc = put(cfg, i, val, SRC_FILE, what, err);
        if (rc)
            return rc;
    }
    return 0;
}

static int apply_doc(lh_config_t *cfg, yaml_document_t *doc, const char *path, lh_err_t *err)
{
    yaml_node_t *root = yaml_document_get_root_node(doc);
    if (!root) /* an empty file */
        return 0;
    if (root->type != YAML_MAPPING_NODE)
        return lh_err_set(err, LH_EINVAL, "bad configuration file %s: expected a mapping", path);
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(doc, p->value);
        if (!kn || !vn || kn->type != YAML_SCALAR_NODE)
            return lh_err_set(err, LH_EINVAL, "bad key in %s", path);
        const char *sec = (const char *)kn->data.scalar.value;
        if (!section_known(sec))
            return lh_err_set(err, LH_EINVAL, "unknown section %s in %s", sec, path);
        int rc = apply_section(cfg, doc, sec, vn, path, err);
        if (rc)
            return rc;
    }
    return 0;
}

static int load_file(lh_config_t *cfg, const char *path, lh_err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return lh_err_set(err, LH_EINVAL, "cannot open configuration file %s: %s", path, strerror(errno));
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = 0;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = lh_err_set(err, LH_EINVAL, "bad configuration file %s: %s at line %zu", path,
                        parser.problem ? parser.problem : "syntax error", parser.problem_mark.line + 1);
        goto done;
    }
    rc = apply_doc(cfg, &doc, path, err);
    yaml_document_delete(&doc);
done:
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

/* --- load --- */

/* The file: --config, LAKEHOUSE_CONFIG, else <data-dir>/lakehouse.yaml if it
 * exists (data-dir from flag, env or default: the file cannot move itself). */
static int file_path(const flag_t *flags, int nflags, char *out, size_t cap, int *explicit_)
{
    int ci = find_dotted("core.config"), di = find_dotted("core.data_dir");
    const char *p = flag_value(flags, nflags, ci);
    if (!p)
        p = getenv(keys[ci].env);
    if (p && *p) {
        *explicit_ = 1;
        snprintf(out, cap, "%s", p);
        return 1;
    }
    const char *dd = flag_value(flags, nflags, di);
    if (!dd)
        dd = getenv(keys[di].env);
    if (!dd || !*dd)
        dd = keys[di].def;
    snprintf(out, cap, "%s/lakehouse.yaml", dd);
    *explicit_ = 0;
    return access(out, F_OK) == 0;
}

static int apply_env(lh_config_t *cfg, lh_err_t *err)
{
    char name[96], what[128];
    for (int i = 0; i < NKEYS; i++) {
        env_name(&keys[i], name, sizeof name);
        const char *v = getenv(name);
        if (!v || !*v)
            continue;
        snprintf(what, sizeof what, "env %s", name);
        int rc = put(cfg, i, v, SRC_ENV, what, err);
        if (rc)
            return rc;
    }
    return 0;
}

static int apply_flags(lh_config_t *cfg, const flag_t *flags, int nflags, lh_err_t *err)
{
    char name[96], what[128];
    for (int f = 0; f < nflags; f++) {
        flag_name(&keys[flags[f].key], name, sizeof name);
        snprintf(what, sizeof what, "flag %s", name);
        int rc = put(cfg, flags[f].key, flags[f].value, SRC_FLAG, what, err);
        if (rc)
            return rc;
    }
    return 0;
}

static int apply_defaults(lh_config_t *cfg, lh_err_t *err)
{
    for (int i = 0; i < NKEYS; i++)
        if (keys[i].def && put(cfg, i, keys[i].def, SRC_DEFAULT, "default", err))
            return LH_ENOMEM;
    return 0;
}

/* core.dags_dir defaults to <data-dir>/dags, computed after every source. */
static int derive(lh_config_t *cfg, lh_err_t *err)
{
    int di = find_dotted("core.dags_dir");
    if (cfg->v[di].value)
        return 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/dags", lh_config_get(cfg, "core.data_dir"));
    return put(cfg, di, path, SRC_DEFAULT, "default", err);
}

int lh_config_load(lh_config_t **out, int *argc, char **argv, lh_err_t *err)
{
    flag_t flags[MAX_FLAGS];
    int nflags = 0, explicit_ = 0, rc;
    char path[4096];
    *out = NULL;
    lh_config_t *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    if ((rc = take_flags(argc, argv, flags, &nflags, err)) || (rc = apply_defaults(cfg, err)))
        goto fail;
    if (file_path(flags, nflags, path, sizeof path, &explicit_)) {
        if ((rc = load_file(cfg, path, err)))
            goto fail;
        if (!explicit_ && (rc = put(cfg, find_dotted("core.config"), path, SRC_DEFAULT, "default", err)))
            goto fail;
    }
    if ((rc = apply_env(cfg, err)) || (rc = apply_flags(cfg, flags, nflags, err)) ||
        (rc = derive(cfg, err)))
        goto fail;
    *out = cfg;
    return 0;
fail:
    lh_config_free(cfg);
    return rc;
}

void lh_config_free(lh_config_t *cfg)
{
    if (!cfg)
        return;
    for (int i = 0; i < NKEYS; i++)
        free(cfg->v[i].value);
    free(cfg);
}

static int key_index(const char *key)
{
    int i = find_dotted(key);
    if (i < 0) {
        fprintf(stderr, "lakehouse: unknown configuration key %s (a bug)\n", key);
        abort();
    }
    return i;
}

const char *lh_config_get(const lh_config_t *cfg, const char *key)
{
    const char *v = cfg->v[key_index(key)].value;
    return v ? v : "";
}

int64_t lh_config_int(const lh_config_t *cfg, const char *key)
{
    int64_t n = 0;
    if (lh_parse_i64(lh_config_get(cfg, key), &n) != 0)
        return 0;
    return n;
}

int lh_config_bool(const lh_config_t *cfg, const char *key)
{
    const char *v = lh_config_get(cfg, key);
    return !strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on");
}

int lh_config_set(lh_config_t *cfg, const char *key, const char *value)
{
    int i = key_index(key);
    char *dup = strdup(value ? value : "");
    if (!dup)
        return LH_ENOMEM;
    free(cfg->v[i].value);
    cfg->v[i].value = dup;
    cfg->v[i].source = SRC_RUNTIME;
    return 0;
}

const char *lh_config_source(const lh_config_t *cfg, const char *key)
{
    return src_names[cfg->v[key_index(key)].source];
}

/* --- show and doc --- */

static const char *shown(const lh_config_t *cfg, int i)
{
    const char *v = cfg->v[i].value ? cfg->v[i].value : "";
    return keys[i].secret && *v ? "****" : v;
}

void lh_config_show(const lh_config_t *cfg, FILE *out)
{
    int kw = 0, vw = 0;
    char name[96];
    for (int i = 0; i < NKEYS; i++) {
        int n = snprintf(name, sizeof name, "%s.%s", keys[i].section, keys[i].key);
        int m = (int)strlen(shown(cfg, i));
        kw = n > kw ? n : kw;
        vw = m > vw ? m : vw;
    }
    for (int i = 0; i < NKEYS; i++) {
        snprintf(name, sizeof name, "%s.%s", keys[i].section, keys[i].key);
        fprintf(out, "%-*s = %-*s  (%s)\n", kw, name, vw, shown(cfg, i),
                cfg->v[i].value ? src_names[cfg->v[i].source] : "unset");
    }
}

void lh_config_doc(FILE *out)
{
    char env[96], flag[96];
    fprintf(out,
            "# Configuration\n\n"
            "<!-- generated by `lakehouse config doc` from the key table in src/core/config.c; "
            "do not edit -->\n\n"
            "Every key `section.key` can be set in four places; later ones win:\n\n"
            "1. the default below;\n"
            "2. the YAML file (`--config`, `LAKEHOUSE_CONFIG`, else `<data-dir>/lakehouse.yaml` "
            "when it exists), as a nested mapping:\n\n"
            "   ```yaml\n   store:\n     listen: 127.0.0.1:9000\n"
            "     lake_folders: [bronze, silver, gold]\n   web:\n     listen: 127.0.0.1:0\n   ```\n\n"
            "3. the environment variable;\n"
            "4. the command-line flag (`--flag VALUE` or `--flag=VALUE`).\n\n"
            "An unknown key in the file, or a value of the wrong kind (a non-integer for a "
            "number, a listen address that is not `host:port`), stops the program with a message "
            "naming the key and where the value came from. A listen port of 0 picks a free port; "
            "the bound addresses are written to `<data-dir>/run/endpoints.json`. "
            "`lakehouse config show` prints every effective value with its source "
            "(default, file, env, flag), secrets masked.\n\n"
            "| key | environment | flag | default | description |\n"
            "|---|---|---|---|---|\n");
    for (int i = 0; i < NKEYS; i++) {
        env_name(&keys[i], env, sizeof env);
        flag_name(&keys[i], flag, sizeof flag);
        const char *def = keys[i].def ? keys[i].def : "";
        if (!strcmp(keys[i].key, "dags_dir"))
            def = "<data-dir>/dags";
        fprintf(out, "| `%s.%s` | `%s` | `%s` | %s%s%s | %s%s |\n", keys[i].section, keys[i].key, env,
                flag, *def ? "`" : "", def, *def ? "`" : "", keys[i].help,
                keys[i].secret ? " (secret: masked by `config show`)" : "");
    }
}
