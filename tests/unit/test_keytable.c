/*
 * test_keytable: the combinations `sendkey` accepts, each with the Linux
 * input codes (numbers from the kernel's ABI, written out here) pressed
 * in order, and everything else refused.
 */
#include "unit.h"

#include "vmgate/keytable.h"

enum {
	ESC = 1, ENTER = 28, CTRL = 29, ALT = 56, SYSRQ = 99, DEL = 111,
	F1 = 59, F10 = 68, F11 = 87, F12 = 88,
	B = 48, C = 46, E = 18, F = 33, I = 23, M = 50, R = 19, S = 31,
	T = 20, U = 22, W = 17,
};

static const struct {
	const char *name;
	size_t n;
	unsigned codes[3];
} want[] = {
	{ "ctrl-alt-del", 3, { CTRL, ALT, DEL } },
	{ "ctrl-alt-f1", 3, { CTRL, ALT, F1 } },
	{ "ctrl-alt-f2", 3, { CTRL, ALT, F1 + 1 } },
	{ "ctrl-alt-f3", 3, { CTRL, ALT, F1 + 2 } },
	{ "ctrl-alt-f4", 3, { CTRL, ALT, F1 + 3 } },
	{ "ctrl-alt-f5", 3, { CTRL, ALT, F1 + 4 } },
	{ "ctrl-alt-f6", 3, { CTRL, ALT, F1 + 5 } },
	{ "ctrl-alt-f7", 3, { CTRL, ALT, F1 + 6 } },
	{ "ctrl-alt-f8", 3, { CTRL, ALT, F1 + 7 } },
	{ "ctrl-alt-f9", 3, { CTRL, ALT, F1 + 8 } },
	{ "ctrl-alt-f10", 3, { CTRL, ALT, F10 } },
	{ "ctrl-alt-f11", 3, { CTRL, ALT, F11 } },
	{ "ctrl-alt-f12", 3, { CTRL, ALT, F12 } },
	{ "alt-sysrq-b", 3, { ALT, SYSRQ, B } },
	{ "alt-sysrq-c", 3, { ALT, SYSRQ, C } },
	{ "alt-sysrq-e", 3, { ALT, SYSRQ, E } },
	{ "alt-sysrq-f", 3, { ALT, SYSRQ, F } },
	{ "alt-sysrq-i", 3, { ALT, SYSRQ, I } },
	{ "alt-sysrq-m", 3, { ALT, SYSRQ, M } },
	{ "alt-sysrq-r", 3, { ALT, SYSRQ, R } },
	{ "alt-sysrq-s", 3, { ALT, SYSRQ, S } },
	{ "alt-sysrq-t", 3, { ALT, SYSRQ, T } },
	{ "alt-sysrq-u", 3, { ALT, SYSRQ, U } },
	{ "alt-sysrq-w", 3, { ALT, SYSRQ, W } },
	{ "enter", 1, { ENTER } },
	{ "esc", 1, { ESC } },
};

static void
test_every_combination(void **state)
{
	const struct key_combo *k;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		k = keytable_find(want[i].name);
		if (k == NULL)
			fail_msg("%s: not in the table", want[i].name);
		assert_string_equal(k->name, want[i].name);
		assert_int_equal(k->ncodes, want[i].n);
		for (j = 0; j < want[i].n; j++)
			assert_int_equal(k->codes[j], want[i].codes[j]);
	}
}

static void
test_others_refused(void **state)
{
	static const char *const refused[] = {
		"", "CTRL-ALT-DEL", "ctrl-alt-delete", "ctrl-alt-f0",
		"ctrl-alt-f13", "ctrl-alt-f1 ", " enter", "alt-sysrq-a",
		"alt-sysrq-o", "alt-sysrq-B", "alt-sysrq-", "alt-sysrq-bb",
		"ctrl-alt", "sysrq-b", "ctrl", "return", "escape", "tab",
		"ctrl-c", "alt-f4",
	};
	size_t i;

	(void)state;
	assert_null(keytable_find(NULL));
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (keytable_find(refused[i]) != NULL)
			fail_msg("'%s' accepted", refused[i]);
	}
}

static void
test_names_listed_in_order(void **state)
{
	char buf[1024], small[20];

	(void)state;
	keytable_names(buf, sizeof(buf));
	assert_string_equal(buf, "ctrl-alt-del ctrl-alt-f1 ctrl-alt-f2 "
	    "ctrl-alt-f3 ctrl-alt-f4 ctrl-alt-f5 ctrl-alt-f6 ctrl-alt-f7 "
	    "ctrl-alt-f8 ctrl-alt-f9 ctrl-alt-f10 ctrl-alt-f11 ctrl-alt-f12 "
	    "alt-sysrq-b alt-sysrq-c alt-sysrq-e alt-sysrq-f alt-sysrq-i "
	    "alt-sysrq-m alt-sysrq-r alt-sysrq-s alt-sysrq-t alt-sysrq-u "
	    "alt-sysrq-w enter esc");
	/* the size callers give it holds them all */
	keytable_names(buf, KEYTABLE_NAMES_MAX);
	assert_true(strlen(buf) < KEYTABLE_NAMES_MAX - 1);
	assert_non_null(strstr(buf, " esc"));
	/* a short buffer is cut, still terminated */
	keytable_names(small, sizeof(small));
	assert_string_equal(small, "ctrl-alt-del ctrl-a");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_combination),
		cmocka_unit_test(test_others_refused),
		cmocka_unit_test(test_names_listed_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
