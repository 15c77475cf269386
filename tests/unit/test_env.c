/*
 * test_env: the environment's one door. SSH_CONNECTION gives the client's
 * address and the port the client connected to, for the audit line and
 * the hints; anything malformed reads as unknown.
 */
#include "unit.h"

#include <sys/wait.h>

#include "vmgate/env.h"

static void
test_server_port(void **state)
{
	static const struct {
		const char *conn;	/* NULL: unset */
		int port;
		const char *from;
	} cases[] = {
		{ "192.0.2.7 50022 192.0.2.1 2310", 2310, "192.0.2.7" },
		{ "::1 40000 ::1 22", 22, "::1" },
		{ "192.0.2.7 50022 192.0.2.1 65535", 65535, "192.0.2.7" },
		{ "192.0.2.7 50022 192.0.2.1 65536", 0, "192.0.2.7" },
		{ "192.0.2.7 50022 192.0.2.1 0", 0, "192.0.2.7" },
		{ "192.0.2.7 50022 192.0.2.1 022", 0, "192.0.2.7" },
		{ "192.0.2.7 50022 192.0.2.1 22x", 0, "192.0.2.7" },
		{ "192.0.2.7 50022 192.0.2.1", 0, "192.0.2.7" },
		{ "192.0.2.7 50022 192.0.2.1 ", 0, "192.0.2.7" },
		{ "", 0, "-" },
		{ NULL, 0, "-" },
	};
	char from[64];
	size_t i;
	pid_t pid;
	int status;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case: %s\n", cases[i].conn ? cases[i].conn :
		    "(unset)");
		/* the environment is read once per process, as vmgate's */
		if ((pid = fork()) == 0) {
			if (cases[i].conn != NULL)
				setenv("SSH_CONNECTION", cases[i].conn, 1);
			else
				unsetenv("SSH_CONNECTION");
			env_sanitize_process();
			env_client_addr(from, sizeof(from));
			_exit(env_server_port() == cases[i].port &&
			    strcmp(from, cases[i].from) == 0 ? 0 : 1);
		}
		assert_true(pid > 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
