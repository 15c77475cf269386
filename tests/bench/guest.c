/*
 * guest: the Linux guest of tests/e2e/linux-guest.sh for the console row
 * of the bench, through the end-to-end helpers (tests/e2e/e2e.c).
 *
 *     guest up NAME       define, start, wait for its shell
 *     guest down NAME     destroy and undefine it
 */
#include <stdio.h>
#include <string.h>

#include "e2e.h"

int
main(int argc, char **argv)
{
	struct e2e_linux_guest g = { .banner = "bench" };

	if (argc != 3) {
		fprintf(stderr, "usage: guest up|down NAME\n");
		return 64;
	}
	g.name = argv[2];
	if (strcmp(argv[1], "down") == 0)
		return e2e_rmguest(g.name) == 0 ? 0 : 1;
	if (strcmp(argv[1], "up") != 0 || e2e_linux_guest(&g) != 0)
		return 1;
	return e2e_serial_log_wait(g.name, "vmgate-guest: bench ready",
	    E2E_LINUX_READY_MS) == 0 ? 0 : 1;
}
