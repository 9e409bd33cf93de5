/* `lakehouse config show [flags]` prints every effective configuration value
 * with its source (secrets masked); `lakehouse config doc` prints the Markdown
 * reference (docs/config.md) generated from the key table. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/config.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: lakehouse config show [--data-dir DIR] [--config FILE] [--<section>-<key> "
                 "VALUE]...\n"
                 "       lakehouse config doc\n\n"
                 "  show   print each effective value and its source (default, file, env, flag);\n"
                 "         secrets are masked\n"
                 "  doc    print the Markdown reference of every key (docs/config.md)\n\n"
                 "Sources, lowest to highest: defaults < YAML file < LAKEHOUSE_<SECTION>_<KEY> <\n"
                 "--<section>-<key>. See docs/config.md.\n");
}

static int is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h");
}

static int cmd_show(int argc, char **argv)
{
    lh_err_t err = {0};
    lh_config_t *cfg;
    for (int i = 0; i < argc; i++)
        if (is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
    if (lh_config_load(&cfg, &argc, argv, &err) != 0) {
        fprintf(stderr, "lakehouse: %s\n", err.msg);
        return 1;
    }
    if (argc > 0) {
        fprintf(stderr, "lakehouse: unknown argument '%s' for config show\n", argv[0]);
        lh_config_free(cfg);
        return 2;
    }
    lh_config_show(cfg, stdout);
    lh_config_free(cfg);
    return 0;
}

int lh_cmd_config(int argc, char **argv)
{
    if (argc < 1) {
        usage(stderr);
        return 2;
    }
    if (is_help(argv[0])) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[0], "show")) return cmd_show(argc - 1, argv + 1);
    if (!strcmp(argv[0], "doc")) {
        if (argc > 1 && is_help(argv[1])) {
            usage(stdout);
            return 0;
        }
        if (argc > 1) {
            fprintf(stderr, "lakehouse: unknown argument '%s' for config doc\n", argv[1]);
            return 2;
        }
        lh_config_doc(stdout);
        return 0;
    }
    fprintf(stderr, "lakehouse: unknown config command '%s' (see 'lakehouse config --help')\n",
            argv[0]);
    return 2;
}
