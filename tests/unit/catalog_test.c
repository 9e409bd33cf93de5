/* The catalog over the embedded object store: namespaces are top-level
 * prefixes (markers and data alike), tables are prefixes holding a
 * _delta_log/, raw files and `_` prefixes are not tables, names are checked. */
#include "store/objstore.h"
#include "store_fixture.h"
#include "table/catalog.h"

static char seen[1024];

static int add_ns(void *arg, const char *ns)
{
    (void)arg;
    strncat(seen, ns, sizeof seen - strlen(seen) - 2);
    strcat(seen, ";");
    return 0;
}

static int add_table(void *arg, const char *ns, const char *table)
{
    (void)arg;
    char line[300];
    snprintf(line, sizeof line, "%s.%s;", ns, table);
    strncat(seen, line, sizeof seen - strlen(seen) - 1);
    return 0;
}

static int stop_at_first(void *arg, const char *ns)
{
    (void)ns;
    ++*(int *)arg;
    return 42;
}

static int put(lh_objstore_t *os, const char *key)
{
    lh_err_t e = {0};
    return lh_objstore_put(os, "b", key, "x", 1, NULL, NULL, &e);
}

TEST(catalog_discovers_namespaces_and_tables)
{
    (void)stp;
    lh_objstore_t *os;
    lh_err_t e = {0};
    CHECK_EQ_INT(lh_objstore_open_embedded(&os, st, "alice", &e), 0);
    CHECK_EQ_INT(put(os, "bronze/chain_transfers/ds=2026-11-26/hour=10/part-p0-0-9.jsonl.zst"), 0);
    CHECK_EQ_INT(put(os, "bronze/_demo/manifest.json"), 0);
    CHECK_EQ_INT(put(os, "silver/transfers/_delta_log/00000000000000000000.json"), 0);
    CHECK_EQ_INT(put(os, "silver/transfers/part-00000-a.c000.zstd.parquet"), 0);
    CHECK_EQ_INT(put(os, "silver/_tmp/_delta_log/00000000000000000000.json"), 0);
    CHECK_EQ_INT(put(os, "gold/hourly_volume/_delta_log/00000000000000000000.json"), 0);
    CHECK_EQ_INT(put(os, "gold/daily/_delta_log/_last_checkpoint"), 0);
    CHECK_EQ_INT(put(os, "gold/notes.txt"), 0);
    CHECK_EQ_INT(put(os, "top-level-file"), 0);
    CHECK_EQ_INT(lh_catalog_create_namespace(os, "b", "sandbox", &e), 0);
    CHECK_EQ_INT(lh_catalog_create_namespace(os, "b", "sandbox", &e), 0); /* again: fine */

    seen[0] = 0;
    CHECK_EQ_INT(lh_catalog_namespaces(os, "b", add_ns, NULL, &e), 0);
    CHECK_EQ_STR(seen, "bronze;gold;sandbox;silver;");

    seen[0] = 0;
    CHECK_EQ_INT(lh_catalog_tables(os, "b", "gold", add_table, NULL, &e), 0);
    CHECK_EQ_STR(seen, "gold.daily;gold.hourly_volume;");
    seen[0] = 0;
    CHECK_EQ_INT(lh_catalog_tables(os, "b", "silver", add_table, NULL, &e), 0);
    CHECK_EQ_STR(seen, "silver.transfers;");
    seen[0] = 0;
    CHECK_EQ_INT(lh_catalog_tables(os, "b", "bronze", add_table, NULL, &e), 0);
    CHECK_EQ_STR(seen, "");
    CHECK_EQ_INT(lh_catalog_tables(os, "b", "sandbox", add_table, NULL, &e), 0);
    CHECK_EQ_STR(seen, "");
    CHECK_EQ_INT(lh_catalog_tables(os, "b", "nothing", add_table, NULL, &e), 0);
    CHECK_EQ_STR(seen, "");

    CHECK_EQ_INT(lh_catalog_table_exists(os, "b", "silver", "transfers", &e), 1);
    CHECK_EQ_INT(lh_catalog_table_exists(os, "b", "bronze", "chain_transfers", &e), 0);
    CHECK_EQ_INT(lh_catalog_table_exists(os, "b", "silver", "_tmp", &e), LH_EINVAL);

    int calls = 0;
    CHECK_EQ_INT(lh_catalog_namespaces(os, "b", stop_at_first, &calls, &e), 42);
    CHECK_EQ_INT(calls, 1);
    CHECK_EQ_INT(lh_catalog_namespaces(os, "nobucket", add_ns, NULL, &e), LH_ENOENT);
    lh_objstore_close(os);
}

static void catalog_names(void)
{
    char ns[LH_CATALOG_NAME_MAX + 1], t[LH_CATALOG_NAME_MAX + 1];
    lh_err_t e = {0};
    CHECK_EQ_INT(lh_catalog_split_name("gold.hourly_volume", ns, t, &e), 0);
    CHECK_EQ_STR(ns, "gold");
    CHECK_EQ_STR(t, "hourly_volume");
    CHECK_EQ_INT(lh_catalog_split_name("gold", ns, t, &e), LH_EINVAL);
    CHECK(strstr(e.msg, "<namespace>.<table>") != NULL);
    CHECK_EQ_INT(lh_catalog_split_name("a.b.c", ns, t, &e), LH_EINVAL);
    CHECK_EQ_INT(lh_catalog_split_name(".t", ns, t, &e), LH_EINVAL);
    CHECK(strstr(e.msg, "invalid namespace") != NULL);
    CHECK_EQ_INT(lh_catalog_split_name("gold._delta_log", ns, t, &e), LH_EINVAL);
    CHECK(strstr(e.msg, "invalid table") != NULL);
    CHECK_EQ_INT(lh_catalog_split_name("gold.a/b", ns, t, &e), LH_EINVAL);
    CHECK(lh_catalog_name_valid("Silver-2", 8));
    CHECK(!lh_catalog_name_valid("-x", 2));
    CHECK(!lh_catalog_name_valid("a b", 3));
    CHECK(!lh_catalog_name_valid("", 0));
    char longname[LH_CATALOG_NAME_MAX + 2];
    memset(longname, 'a', sizeof longname);
    CHECK(lh_catalog_name_valid(longname, LH_CATALOG_NAME_MAX));
    CHECK(!lh_catalog_name_valid(longname, LH_CATALOG_NAME_MAX + 1));
    CHECK_EQ_INT(lh_catalog_create_namespace(NULL, "b", "bad name", &e), LH_EINVAL);
}

static const lh_test_t tests[] = {
    {"catalog_discovers_namespaces_and_tables", catalog_discovers_namespaces_and_tables},
    {"catalog_names", catalog_names},
    {NULL, NULL},
};
LH_TEST_MAIN(tests)
