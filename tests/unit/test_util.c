/*
 * test_util: the name allow-list, text sanitising, diagnostics.
 */
#include "unit.h"

#include <sys/stat.h>

#include "vmgate/config.h"
#include "vmgate/util.h"

static void
test_names(void **state)
{
	static const struct {
		const char *name;
		bool ok;
	} cases[] = {
		{ "web1", true }, { "a", true }, { "A.b_c-d", true },
		{ "0start", true },
		{ "", false }, { "-web", false }, { ".web", false },
		{ "_web", false }, { "../x", false }, { "a/b", false },
		{ "a b", false }, { "a\nb", false }, { "we\xc3\xa9", false },
		{ "a;b", false }, { "a$b", false },
		/* 64 bytes is the limit */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  true },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  false },
	};
	size_t i;

	(void)state;
	assert_false(name_valid(NULL));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (name_valid(cases[i].name) != cases[i].ok)
			fail_msg("name_valid(\"%s\") != %d", cases[i].name,
			    cases[i].ok);
	}
}

static void
test_sanitize(void **state)
{
	char buf[32];

	(void)state;
	str_sanitize(buf, sizeof(buf), "plain text");
	assert_string_equal(buf, "plain text");
	str_sanitize(buf, sizeof(buf), "a\x1b[2Jb\n\"\\");
	assert_string_equal(buf, "a\\x1b[2Jb\\x0a\\x22\\x5c");
	/* cut to fit, never in the middle of an escape */
	str_sanitize(buf, 6, "ab\x01" "cd");
	assert_string_equal(buf, "ab");
	str_sanitize(buf, sizeof(buf), NULL);
	assert_string_equal(buf, "");
}

static void
test_diag_escapes(void **state)
{
	struct diag d;

	(void)state;
	diag_init(&d);
	diag_add(&d, "%s:0: bad name", "/k/x\x1b]0;pwned\x07y.pub");
	diag_add(&d, "quotes \"stay\" and \\ too, \xff not");
	assert_int_equal(d.count, 2);
	assert_string_equal(d.msgs[0], "/k/x\\x1b]0;pwned\\x07y.pub:0: bad name");
	assert_string_equal(d.msgs[1], "quotes \"stay\" and \\ too, \\xff not");
	diag_clear(&d);
	assert_int_equal(d.count, 0);
}

static void
test_diag_cap(void **state)
{
	struct diag d;
	size_t i;

	(void)state;
	diag_init(&d);
	for (i = 0; i < MAX_DIAGS + 7; i++)
		diag_add(&d, "problem %zu", i);
	assert_int_equal(d.count, MAX_DIAGS);
	assert_int_equal(d.dropped, 7);
	diag_clear(&d);
}

/* the directories above a config: whoever may write one could swap it */
/* what an admin reads: one problem a line, then how many were left out */
static void
test_diag_print(void **state)
{
	struct diag d;
	char *text = NULL;
	size_t len = 0, i;
	FILE *f;

	(void)state;
	diag_init(&d);
	for (i = 0; i < MAX_DIAGS + 3; i++)
		diag_add(&d, "f.ini:%zu: bad", i + 1);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	diag_print(&d, f);
	fclose(f);
	assert_memory_equal(text, "f.ini:1: bad\nf.ini:2: bad\n", 26);
	assert_non_null(strstr(text, "\nf.ini:1000: bad\n"
	    "vmgate: 3 more problems not shown\n"));
	assert_null(strstr(text, "f.ini:1001:"));
	free(text);
	diag_clear(&d);
}

static void
test_sort_unique(void **state)
{
	const char *v[] = { "web2", "db1", "web2", "a", "db1", "web10" };
	const char *one[] = { "x" };

	(void)state;
	assert_int_equal(str_sort_unique(v, 6), 4);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[1], "db1");
	assert_string_equal(v[2], "web10");
	assert_string_equal(v[3], "web2");
	assert_int_equal(str_sort_unique(one, 1), 1);
	assert_int_equal(str_sort_unique(NULL, 0), 0);
}

static void
test_dirs_safe(void **state)
{
	char top[] = "/tmp/vmgate-dirs-XXXXXX", sub[64], file[96], why[256];
	struct config *cfg = NULL;
	struct diag d;
	FILE *f;

	(void)state;
	unit_mkdtemp(top);
	snprintf(sub, sizeof(sub), "%s/etc", top);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(file, sizeof(file), "%s/vmgate.ini", sub);
	assert_non_null(f = fopen(file, "w"));
	fputs("[tenant alice]\ndomains = web1\n", f);
	fclose(f);
	assert_int_equal(chmod(file, 0644), 0);

	assert_int_equal(path_dirs_safe(file, geteuid(), why, sizeof(why)), 0);
	diag_init(&d);
	assert_int_equal(config_load(file, geteuid(), &cfg, &d), 0);
	config_free(cfg);
	diag_clear(&d);

	/* a parent anyone may write: refused, and the config with it */
	assert_int_equal(chmod(top, 0777), 0);
	assert_int_equal(path_dirs_safe(file, geteuid(), why, sizeof(why)), -1);
	assert_non_null(strstr(why, "writable by group or others"));
	assert_non_null(strstr(why, top));
	diag_init(&d);
	assert_int_equal(config_load(file, geteuid(), &cfg, &d), -1);
	assert_null(cfg);
	assert_int_equal(d.count, 1);
	assert_non_null(strstr(d.msgs[0], ":0: refusing: "));
	diag_clear(&d);

	/* sticky, as /tmp: nobody can replace what is not theirs */
	assert_int_equal(chmod(top, 01777), 0);
	assert_int_equal(path_dirs_safe(file, geteuid(), why, sizeof(why)), 0);

	/* the directory itself writable by group */
	assert_int_equal(chmod(top, 0700), 0);
	assert_int_equal(chmod(sub, 0775), 0);
	assert_int_equal(path_dirs_safe(file, geteuid(), why, sizeof(why)), -1);
	assert_non_null(strstr(why, sub));
	assert_int_equal(chmod(sub, 0755), 0);

	/* a path that cannot be resolved */
	assert_int_equal(path_dirs_safe("/nonexistent/dir/x.ini", 0, why,
	    sizeof(why)), -1);

	unlink(file);
	rmdir(sub);
	rmdir(top);
}

/* a file handed on by name (install media): every rule on the path */
static void
test_file_safe(void **state)
{
	char top[] = "/tmp/vmgate-file-XXXXXX", sub[64], file[96], link[96];
	char via[128], why[256];
	FILE *f;

	(void)state;
	unit_mkdtemp(top);
	assert_int_equal(chmod(top, 0755), 0);
	snprintf(sub, sizeof(sub), "%s/media", top);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(file, sizeof(file), "%s/a.iso", sub);
	assert_non_null(f = fopen(file, "w"));
	fputs("not really an image\n", f);
	fclose(f);
	assert_int_equal(chmod(file, 0644), 0);
	assert_int_equal(path_file_safe(file, geteuid(), why, sizeof(why)), 0);

	assert_int_equal(path_file_safe("media/a.iso", geteuid(), why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "not an absolute path"));

	assert_int_equal(chmod(file, 0664), 0);
	assert_int_equal(path_file_safe(file, geteuid(), why, sizeof(why)), -1);
	assert_non_null(strstr(why, "writable by group or others"));
	assert_int_equal(chmod(file, 0646), 0);
	assert_int_equal(path_file_safe(file, geteuid(), why, sizeof(why)), -1);
	assert_int_equal(chmod(file, 0644), 0);

	/* a link as the file, and a link as a directory on the way */
	snprintf(link, sizeof(link), "%s/b.iso", sub);
	assert_int_equal(symlink(file, link), 0);
	assert_int_equal(path_file_safe(link, geteuid(), why, sizeof(why)), -1);
	assert_non_null(strstr(why, "is a symbolic link"));
	snprintf(link, sizeof(link), "%s/m", top);
	assert_int_equal(symlink(sub, link), 0);
	snprintf(via, sizeof(via), "%s/a.iso", link);
	assert_int_equal(path_file_safe(via, geteuid(), why, sizeof(why)), -1);
	assert_non_null(strstr(why, "is a symbolic link"));
	assert_non_null(strstr(why, link));

	/* not a file; missing; a parent others may write */
	assert_int_equal(path_file_safe(sub, geteuid(), why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not a regular file"));
	assert_int_equal(path_file_safe("/nonexistent/a.iso", 0, why,
	    sizeof(why)), -1);
	assert_int_equal(chmod(sub, 0775), 0);
	assert_int_equal(path_file_safe(file, geteuid(), why, sizeof(why)), -1);
	assert_non_null(strstr(why, "writable by group or others"));
	assert_int_equal(chmod(sub, 0755), 0);

	/* owned by someone else (needs root to arrange; else a skip) */
	if (geteuid() == 0) {
		assert_int_equal(chown(file, 65534, 65534), 0);
		assert_int_equal(path_file_safe(file, 0, why, sizeof(why)), -1);
		assert_non_null(strstr(why, "owned by uid 65534"));
	}

	unlink(link);
	snprintf(link, sizeof(link), "%s/b.iso", sub);
	unlink(link);
	unlink(file);
	rmdir(sub);
	rmdir(top);
	skip_unless_root("a file of another owner");
}

/* a parent owned by someone else (needs root to arrange) */
static void
test_dirs_safe_other_owner(void **state)
{
	char top[] = "/tmp/vmgate-dirs-XXXXXX", sub[64], file[96], why[256];
	FILE *f;

	(void)state;
	skip_unless_root("a directory of another owner");
	unit_mkdtemp(top);
	assert_int_equal(chmod(top, 0755), 0);
	snprintf(sub, sizeof(sub), "%s/etc", top);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(file, sizeof(file), "%s/vmgate.ini", sub);
	assert_non_null(f = fopen(file, "w"));
	fclose(f);
	assert_int_equal(path_dirs_safe(file, 0, why, sizeof(why)), 0);
	assert_int_equal(chown(sub, 65534, 65534), 0);
	assert_int_equal(path_dirs_safe(file, 0, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "owned by uid 65534"));
}

static void
test_hosts(void **state)
{
	static const char *const good[] = {
		"127.0.0.1", "192.0.2.20", "::1", "fd00::2", "::ffff:10.0.0.1",
		"node2", "node2.internal", "n-2.example.org", "localhost",
		"10.0.0.7x", "a23456789012345678901234567890123456789012345678901"
		"234567890123",
	};
	static const char *const bad[] = {
		"", "0.0.0.0", "::", "0::0", "::ffff:0.0.0.0", "127.1",
		"10.0.0.256", "127.0.0.01", "1.2.3.4.5", "[::1]", "fe80::1%eth0",
		"-node", "node-", "no..de", ".node", "node.", "no_de", "no de",
		"node2.123", "123", "a234567890123456789012345678901234567890123"
		"4567890123456789012345", "n\xc3\xa9", "node:1",
	};
	char big[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!host_valid(good[i]))
			fail_msg("'%s' refused", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (host_valid(bad[i]))
			fail_msg("'%s' taken", bad[i]);
	assert_false(host_valid(NULL));
	/* 253 bytes in all at most */
	memset(big, 0, sizeof(big));
	for (i = 0; i < 4; i++)
		memcpy(big + i * 64, "a2345678901234567890123456789012345678901"
		    "2345678901234567890123.", 64);
	big[253] = '\0';
	assert_true(big[252] != '.');
	assert_true(host_valid(big));
	big[253] = 'b';
	assert_false(host_valid(big));
}

/* What a tenant may read of a URI: never a user, a key or a socket path. */
static void
test_uri_shown(void **state)
{
	static const struct {
		const char *uri, *want;
	} cases[] = {
		{ "qemu:///system", "qemu:///system" },
		{ "qemu+tcp://127.0.0.2:16510/system", "qemu+tcp://127.0.0.2:16510/system" },
		{ "qemu+tls://node2.example/system", "qemu+tls://node2.example/system" },
		{ "qemu+ssh://root@node2/system?keyfile=/root/.ssh/k",
		  "qemu+ssh://node2/system" },
		{ "qemu+ssh://a@b@node2:22/session#x", "qemu+ssh://node2:22/session" },
		{ "qemu+unix:///system?socket=/srv/secret/sock", "qemu+unix:///system" },
		{ "test:///home/admin/node.xml", "test:///..." },
		{ "qemu+tcp://node2", "qemu+tcp://node2/" },
		{ "qemu+tcp://node2/", "qemu+tcp://node2/" },
		{ "nonsense", "(hypervisor)" },
		{ "://x/system", "(hypervisor)" },
		{ "a/b://x/system", "(hypervisor)" },
		{ "qemu+tcp://n\x01" "de/system", "qemu+tcp://n\\x01" "de/system" },
	};
	char buf[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uri_shown(buf, sizeof(buf), cases[i].uri);
		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("%s: got %s, want %s", cases[i].uri, buf,
			    cases[i].want);
	}
	uri_shown(buf, sizeof(buf), NULL);
	assert_string_equal(buf, "(hypervisor)");
	assert_true(uri_local("qemu:///system"));
	assert_true(uri_local("qemu+unix:///system?socket=/x"));
	assert_false(uri_local("qemu+tcp://127.0.0.2:16510/system"));
	assert_false(uri_local("nonsense"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_diag_print),
		cmocka_unit_test(test_sort_unique),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_diag_escapes),
		cmocka_unit_test(test_diag_cap),
		cmocka_unit_test(test_dirs_safe),
		cmocka_unit_test(test_dirs_safe_other_owner),
		cmocka_unit_test(test_file_safe),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_uri_shown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
