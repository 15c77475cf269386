/*
 * keytable: the fixed `sendkey` table (see include/vmgate/keytable.h).
 * The codes are Linux input codes, which libvirt maps to what the
 * machine's keyboard sends.
 */
#include <linux/input-event-codes.h>
#include <stdio.h>
#include <string.h>

#include "vmgate/keytable.h"

#define CTRL_ALT(key)	{ KEY_LEFTCTRL, KEY_LEFTALT, key }
#define ALT_SYSRQ(key)	{ KEY_LEFTALT, KEY_SYSRQ, key }

static const struct key_combo table[] = {
	{ "ctrl-alt-del", 3, CTRL_ALT(KEY_DELETE) },
	{ "ctrl-alt-f1", 3, CTRL_ALT(KEY_F1) },
	{ "ctrl-alt-f2", 3, CTRL_ALT(KEY_F2) },
	{ "ctrl-alt-f3", 3, CTRL_ALT(KEY_F3) },
	{ "ctrl-alt-f4", 3, CTRL_ALT(KEY_F4) },
	{ "ctrl-alt-f5", 3, CTRL_ALT(KEY_F5) },
	{ "ctrl-alt-f6", 3, CTRL_ALT(KEY_F6) },
	{ "ctrl-alt-f7", 3, CTRL_ALT(KEY_F7) },
	{ "ctrl-alt-f8", 3, CTRL_ALT(KEY_F8) },
	{ "ctrl-alt-f9", 3, CTRL_ALT(KEY_F9) },
	{ "ctrl-alt-f10", 3, CTRL_ALT(KEY_F10) },
	{ "ctrl-alt-f11", 3, CTRL_ALT(KEY_F11) },
	{ "ctrl-alt-f12", 3, CTRL_ALT(KEY_F12) },
	/* the SysRq commands that help a stuck Linux guest: reboot, crash,
	 * term all, freeze, kill all, memory, raw keyboard, sync, tasks,
	 * remount read-only, blocked tasks */
	{ "alt-sysrq-b", 3, ALT_SYSRQ(KEY_B) },
	{ "alt-sysrq-c", 3, ALT_SYSRQ(KEY_C) },
	{ "alt-sysrq-e", 3, ALT_SYSRQ(KEY_E) },
	{ "alt-sysrq-f", 3, ALT_SYSRQ(KEY_F) },
	{ "alt-sysrq-i", 3, ALT_SYSRQ(KEY_I) },
	{ "alt-sysrq-m", 3, ALT_SYSRQ(KEY_M) },
	{ "alt-sysrq-r", 3, ALT_SYSRQ(KEY_R) },
	{ "alt-sysrq-s", 3, ALT_SYSRQ(KEY_S) },
	{ "alt-sysrq-t", 3, ALT_SYSRQ(KEY_T) },
	{ "alt-sysrq-u", 3, ALT_SYSRQ(KEY_U) },
	{ "alt-sysrq-w", 3, ALT_SYSRQ(KEY_W) },
	{ "enter", 1, { KEY_ENTER } },
	{ "esc", 1, { KEY_ESC } },
};

const struct key_combo *
keytable_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	}
	return NULL;
}

void
keytable_names(char *buf, size_t len)
{
	size_t i, used = 0;
	int n;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < sizeof(table) / sizeof(table[0]) && used < len; i++) {
		n = snprintf(buf + used, len - used, "%s%s", i > 0 ? " " : "",
		    table[i].name);
		if (n < 0)
			return;
		used += (size_t)n;
	}
}
