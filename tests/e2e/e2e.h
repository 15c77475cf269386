/*
 * e2e.h: helpers the end-to-end suites share (tests/e2e/test_*.c link
 * tests/e2e/e2e.c). They drive real programs the way a user would: a
 * command with an exact environment and captured output, a command on a
 * pseudo-terminal, temp dirs with config files, and real guests on the
 * shared libvirtd (through tests/e2e/stack.sh and the libvirt C API).
 *
 * Never a shell: commands run with fork + execve and the argv given.
 * Every wait is bounded by a timeout in milliseconds.
 */
#ifndef VMGATE_E2E_H
#define VMGATE_E2E_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <termios.h>

#ifndef BUILD_DIR
#define BUILD_DIR "build"
#endif
#ifndef E2E_DIR
#define E2E_DIR "tests/e2e"
#endif

#define E2E_VMGATE	BUILD_DIR "/vmgate"
#define E2E_STACK	E2E_DIR "/stack.sh"
#define E2E_URI		"qemu:///system"
#define E2E_OUT_MAX	(1024 * 1024)	/* captured output is cut here */
#define E2E_TIMEOUT_MS	20000		/* default for one command */
/* what a held `spice` session says on stderr, and nothing else */
#define E2E_HOLD_NOTICE	"(holding the session, and its tunnel, until " \
			"Ctrl-D or ssh ends)\n"

/* true when running as root; otherwise prints a loud SKIPPED notice once */
bool e2e_need_root(const char *suite);
/* a test of a suite that needs root: skipped (cmocka) when not root */
void e2e_skip_unless_root(void);

/*
 * Run one command: argv[0] is an absolute path, envp the whole environment
 * (NULL: empty), stdin gets `in` then EOF (NULL: /dev/null). The child
 * gets its own session, so it has no controlling terminal. Output on
 * stdout and stderr is captured (NUL-terminated, cut at E2E_OUT_MAX).
 */
struct e2e_result {
	int status;		/* exit code; 128+N when killed by signal N */
	bool timed_out;		/* killed after timeout_ms */
	char *out;
	size_t out_len;
	char *err;
	size_t err_len;
};
int e2e_run(const char *const argv[], const char *const envp[],
    const char *in, int timeout_ms, struct e2e_result *res);
void e2e_result_free(struct e2e_result *res);

/*
 * Start a command that keeps running: like e2e_run, but fds 0-2 are
 * in_fd, out_fd, err_fd as given (-1: /dev/null) and nothing is waited
 * for. The pid.
 */
pid_t e2e_spawn(const char *const argv[], const char *const envp[],
    int in_fd, int out_fd, int err_fd);
/* its exit code as in e2e_result within timeout_ms, or -1 (still runs) */
int e2e_wait_exit(pid_t pid, int timeout_ms);
/* SIGTERM, then SIGKILL after 5 s; reaped; *pid set to -1 (<= 0: nothing) */
void e2e_stop(pid_t *pid);

/*
 * A command on a fresh pty (forkpty): the pty is its controlling terminal
 * and fds 0-2. Everything it prints is kept in buf (NUL-terminated);
 * e2e_pty_expect looks from `seen` on and moves `seen` past a match.
 */
struct e2e_pty {
	pid_t pid;		/* -1 once reaped */
	pid_t sid;		/* the session it leads (its first pid) */
	int master;		/* -1 once hung up */
	char *buf;
	size_t len;
	size_t cap;
	size_t seen;
	char slave[64];		/* /dev/pts/N */
	int status;		/* exit code as in e2e_result, once reaped */
};
int e2e_pty_spawn(struct e2e_pty *p, const char *const argv[],
    const char *const envp[]);
/* 0 when pattern arrives within timeout_ms, -1 on timeout or EOF */
int e2e_pty_expect(struct e2e_pty *p, const char *pattern, int timeout_ms);
/* read whatever arrives within timeout_ms into buf (no pattern) */
void e2e_pty_drain(struct e2e_pty *p, int timeout_ms);
int e2e_pty_write(struct e2e_pty *p, const void *data, size_t len);
/* the terminal's current mode as the program on it sees it */
int e2e_pty_termios(struct e2e_pty *p, struct termios *t);
/* true when ECHO and ICANON are on: the "cooked" mode of a fresh pty */
bool e2e_termios_cooked(const struct termios *t);
/*
 * Wait for exit, reading output meanwhile: 0 with p->status set, -1 on
 * timeout (the process keeps running).
 */
int e2e_pty_wait(struct e2e_pty *p, int timeout_ms);
/* close the master: the session hangs up (SIGHUP to the process) */
void e2e_pty_hangup(struct e2e_pty *p);
/* processes still in the session the command started (0: none left,
 * which holds even after a hang-up removed the pty) */
int e2e_pty_procs(const struct e2e_pty *p);
/* kill (SIGKILL) and reap if still running, close, free */
void e2e_pty_free(struct e2e_pty *p);

/* a fresh 0700 directory under /tmp, malloc'd path */
char *e2e_tmpdir(const char *tag);
/* write text to dir/name with mode; malloc'd path, NULL on error */
char *e2e_write_file(const char *dir, const char *name, const char *text,
    mode_t mode);
/* the whole file at path, NUL-terminated and malloc'd; NULL when unread */
char *e2e_read_file(const char *path);
/* remove dir and everything under it; accepts NULL */
void e2e_rmtree(const char *dir);

/*
 * Serialise runs of one suite on this machine (two people running `make
 * check-e2e` at once would fight over the same guests): an exclusive
 * lock on /run/vmgate-e2e/NAME.lock, waited for up to timeout_ms. The fd
 * (held until exit or e2e_unlock) or -1.
 */
int e2e_lock(const char *name, int timeout_ms);
void e2e_unlock(int fd);

/* the shared stack (tests/e2e/stack.sh up): 0 when libvirtd answers */
int e2e_stack_up(void);
/* (re)define and start a diskless SeaBIOS guest (stack.sh guest) */
int e2e_guest(const char *name, int spice_port);
/* the same guest created transient (never defined): gone once stopped */
int e2e_transient_guest(const char *name, int spice_port);
/* the same guest with SeaBIOS's boot menu (stack.sh menuguest): its
 * serial line shows "Press ESC for boot menu." and waits 10 s after every
 * boot; an ESC typed then shows "Select boot device", any other key ends
 * the wait at once ("Booting from ...") */
int e2e_menu_guest(const char *name, int spice_port);
/* destroy and undefine it; fine when it does not exist */
int e2e_rmguest(const char *name);

/*
 * A private sshd in front of an installed vmgate, as an admin sets it up
 * (the shipped contrib/sshd_config.vmgate): tests log
 * in with the real ssh client and real keys.
 */
/* install build/vmgate root-owned at path (sshd runs AuthorizedKeysCommand
 * only from a root-owned path, never below /tmp); 0 or -1 */
int e2e_install_vmgate(const char *path);
/* a new ed25519 key pair dir/name and dir/name.pub, no passphrase */
int e2e_keygen(const char *dir, const char *name);
/* e2e_keygen, then the public key copied to keys_dir/file (0644), as an
 * admin puts a tenant's key in vmgate's key directory; 0 or -1 */
int e2e_tenant_key(const char *dir, const char *name, const char *keys_dir,
    const char *file);
/* a login account (replacing one of that name) in groups (comma list),
 * shell /bin/sh, no home, unlocked for keys; 0 or -1 */
int e2e_account_add(const char *user, const char *groups);
/* remove it; fine when it does not exist */
void e2e_account_del(const char *user);
/* a group (replacing one of that name); 0 or -1 */
int e2e_group_add(const char *group);
void e2e_group_del(const char *group);

struct e2e_sshd {
	pid_t pid;		/* -1 when not running */
	int port;
	char config[512];	/* DIR/sshd_config */
	char log[512];		/* DIR/sshd.log */
};
/*
 * Write dir/sshd_config: a listener on 127.0.0.1:port with its own host
 * key and pid file in dir, AllowUsers allow_users, then the shipped
 * snippet with `vmgate -f cfg` as its command, group as the tenants'
 * group and service_user as the shared account. Then start sshd on it;
 * 0 once it accepts connections, -1 otherwise.
 */
int e2e_sshd_start(struct e2e_sshd *s, const char *dir, int port,
    const char *vmgate, const char *cfg, const char *group,
    const char *service_user, const char *allow_users);
void e2e_sshd_stop(struct e2e_sshd *s);
/*
 * A gate as the tenants' ssh_config reaches it (the suites' own sshd,
 * not the shipped snippet): write dir/sshd_config for 127.0.0.1:port,
 * host key dir/hostkey, AllowUsers service_user, AuthorizedKeysCommand
 * `vmgate -f dir/vmgate.ini authorized-keys %u %t %k` run as nobody,
 * local TCP forwarding only, then the lines in extra; 0 or -1.
 */
int e2e_gate_sshd_config(const char *dir, int port, const char *vmgate,
    const char *service_user, const char *extra);
/*
 * sshd -D -f dir/sshd_config (checked with sshd -t first), its log in
 * dir/sshd.log; its pid once `ssh -F dir/ssh_config host version`
 * answers, within timeout_ms; -1 (and no sshd left) otherwise.
 */
pid_t e2e_gate_sshd_start(const char *dir, const char *host, int timeout_ms);
/*
 * The real OpenSSH client: ssh -i key user@127.0.0.1 -p port cmd, with a
 * pty on the far side when tty (ssh -tt), no config, agent or known hosts
 * file. Like e2e_run; the exit code is the remote command's (255: ssh's
 * own failure).
 */
int e2e_ssh(const struct e2e_sshd *s, const char *user, const char *key,
    bool tty, const char *cmd, struct e2e_result *res);
/* the same with ssh -tt on a pty of ours, e.g. for `console VM` */
int e2e_ssh_pty(const struct e2e_sshd *s, const char *user, const char *key,
    const char *cmd, struct e2e_pty *p);

/*
 * A real Linux guest (tests/e2e/linux-guest.sh): Debian's cloud kernel
 * and a busybox initramfs booted directly, no disk image. It prints
 * "vmgate-guest: WORD ready" on its serial line (WORD: `banner`, default
 * "linux"), then runs a shell there with the prompt "guest# ", started
 * again whenever it ends; SysRq is enabled and the virtio network driver
 * loaded (the interface is eth0, down until the test brings it up).
 * Always domain type 'qemu' (software emulation): under KVM on this kind
 * of nested host the kernel prints nothing. The shell is reached through
 * the serial console (`vmgate console NAME`); everything it prints is
 * also copied to E2E_SERIAL_LOG(NAME).
 */
#define E2E_LINUX_GUEST		E2E_DIR "/linux-guest.sh"
#define E2E_LINUX_READY_MS	60000	/* boot to banner, generous for TCG */
#define E2E_SERIAL_LOG_FMT	"/var/log/libvirt/qemu/%s-serial.log"

struct e2e_linux_guest {
	const char *name;	/* domain name (required) */
	int spice_port;		/* > 0: a locked SPICE display on 127.0.0.1 */
	const char *banner;	/* one word for the banner; NULL: "linux" */
	int memory_mib;		/* 0: 128 */
	bool transient;		/* created, never defined: gone once stopped */
	const char *bins;	/* static programs for its /bin, blank-separated
				   absolute paths; NULL: none */
	/* optional virtio interface; all NULL: the guest has none */
	const char *network;	/* libvirt network name */
	const char *mac;	/* NULL: libvirt picks one */
	const char *filter;	/* nwfilter name for a <filterref>; NULL: none */
	const char *filter_ip;	/* its IP parameter; NULL: not given */
	const char *filter_ipv6; /* its IPV6 parameter; NULL: not given */
};

/* build (or find cached) kernel + initramfs: "DIR" in dir, 0 or -1 */
int e2e_linux_guest_dir(char *dir, size_t size);
/* the domain XML for g (malloc'd), NULL on error; for suites that need
 * to change it (e.g. add a CD drive) before defining it themselves */
char *e2e_linux_guest_xml(const struct e2e_linux_guest *g);
/* destroy and undefine any domain of that name, then define (unless
 * transient) and start the guest; 0 or -1 */
int e2e_linux_guest(const struct e2e_linux_guest *g);
/* 0 once pattern is in the guest's serial log (e.g. "vmgate-guest: linux
 * ready"), -1 after timeout_ms */
int e2e_serial_log_wait(const char *name, const char *pattern,
    int timeout_ms);

/*
 * An isolated libvirt network (no forwarding, no DHCP): bridge `bridge`
 * holding ipv4/24 and, unless NULL, ipv6/64. An existing network of that
 * name is replaced. 0 or -1.
 */
int e2e_network(const char *name, const char *bridge, const char *ipv4,
    const char *ipv6);
/* the same guest with SeaBIOS's boot menu (stack.sh menuguest): its
 * serial line shows "Press ESC for boot menu." and waits 10 s after every
 * boot; an ESC typed then shows "Select boot device", any other key ends
 * the wait at once ("Booting from ...") */
int e2e_menu_guest(const char *name, int spice_port);
/* destroy and undefine it; fine when it does not exist */
int e2e_rmnetwork(const char *name);
/* undefine the nwfilter name; fine when it does not exist, -1 when it is
 * still in use */
int e2e_nwfilter_undefine(const char *name);

/* libvirt C API on E2E_URI, no virsh */
#define E2E_NO_DOMAIN (-1)
/* a virDomainState value, or E2E_NO_DOMAIN, or -2 on connection error */
int e2e_domain_state(const char *name);
bool e2e_domain_running(const char *name);
int e2e_domain_destroy(const char *name);
int e2e_domain_reset(const char *name);
int e2e_domain_start(const char *name);
/* poll until the state is `state`: 0, or -1 after timeout_ms */
int e2e_domain_wait_state(const char *name, int state, int timeout_ms);

/* something accepts TCP connections on 127.0.0.1:port */
bool e2e_port_listens(int port);

/* milliseconds on the monotonic clock */
long long e2e_now_ms(void);

/*
 * A test-side command line of the suite's own making (never tenant
 * input), run with system(3): its exit code, -1 when it did not exit.
 */
int e2e_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A host runs a syslog daemon, and `vmgate audit` reports one that does
 * not. On a test machine without one, listen at /dev/log for a while:
 * the fd (datagrams are left unread), or -1 when /dev/log exists already
 * (a daemon, or another suite's stand-in) or cannot be made.
 */
int e2e_syslog_stand_in(void);
/* close it and remove /dev/log; accepts -1 */
void e2e_syslog_stand_in_end(int fd);

/*
 * libvirt's remote protocol as a relay between a client and a daemon
 * sees it: every message starts with a header of seven 4-byte big-endian
 * fields (its whole length, the program, its version, the procedure, the
 * type, the serial, the status); the payload follows.
 */
#define E2E_RPC_HEADER	28
#define E2E_RPC_BUF	(4 << 20)	/* a longer message ends the relay */

struct e2e_rpc {
	const unsigned char *data;	/* the whole message, header first */
	uint32_t len, program, version, procedure, type, serial, status;
	bool from_daemon;
};
uint32_t e2e_be32_at(const unsigned char *p);
/* all n bytes written to fd, or false */
bool e2e_send_all(int fd, const void *p, size_t n);

/* what the relay does with a whole message */
enum e2e_relay_do {
	E2E_RELAY_PASS,		/* on to the other side */
	E2E_RELAY_DROP,		/* nowhere (decide may have sent in its stead) */
	E2E_RELAY_FREEZE,	/* nowhere; from now on the relay is frozen */
	E2E_RELAY_HANG_UP,	/* nowhere; the relay ends at once */
	E2E_RELAY_CLOSED,	/* a send of decide's failed: the relay ends */
};

/*
 * A relay of whole messages between a client's connection and a
 * daemon's. decide says what becomes of each message m, and may send on
 * its own: on `to` (where m would go) or `back` (where it came from).
 * Frozen, the relay keeps both connections open and still asks decide
 * about every message. At the freeze or the hang-up, the file marker is
 * created. A side that closes ends the relay, except the daemon once
 * frozen when keep_client is set: the client then sees nothing either.
 */
struct e2e_relay {
	int client, daemon;
	enum e2e_relay_do (*decide)(struct e2e_relay *r,
	    const struct e2e_rpc *m, int to, int back);
	void *arg;		/* decide's own */
	const char *marker;
	bool keep_client;
	bool frozen;
};
/* relay until it ends: 0, or -1 when out of memory */
int e2e_relay(struct e2e_relay *r);

#endif
