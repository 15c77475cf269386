/*
 * fuzz_keys: the key-file parser. keys.c reads key files only
 * from a directory, so the input becomes the files of a private key
 * directory on tmpfs (under $VMGATE_FUZZ_TMP, else /dev/shm):
 *   everything before the first "\n--\n" is alice.pub, the rest (if any)
 *   is bob@laptop.pub, so keys shared between tenants are reached too.
 * The same bytes are also read as an SSH_USER_AUTH file
 * (keys_from_auth_info). Beyond memory errors it checks, abort()ing when
 * a promise is broken:
 * - every key in the ring is a tenant's whose file it came from, a known
 *   key type and one base64 word, fingerprinted as keys_fingerprint does;
 * - usable keys are unique, and no usable key is also filed under the
 *   other tenant;
 * - the login path (keys_load_only for that key) offers it under the
 *   same tenant and fingerprint, for that tenant and for every tenant.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmgate/keys.h"
#include "vmgate/util.h"

#include "fuzz.h"

#define TMP_DEFAULT	"/dev/shm"
#define TMP_ENV		"VMGATE_FUZZ_TMP"
#define SPLIT		"\n--\n"
#define FILE_ALICE	"alice.pub"
#define FILE_BOB	"bob@laptop.pub"
#define FILE_AUTH	"auth-info"
#define FP_PREFIX	"SHA256:"

int LLVMFuzzerInitialize(int *argc, char ***argv);

static char *dir;
static char *path_alice, *path_bob, *path_auth;

static void
cleanup(void)
{
	if (dir == NULL)
		return;
	(void)unlink(path_alice);
	(void)unlink(path_bob);
	(void)unlink(path_auth);
	(void)rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv(TMP_ENV);

	(void)argc;
	(void)argv;
	dir = xasprintf("%s/fuzz-keys.XXXXXX", tmp != NULL ? tmp : TMP_DEFAULT);
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		exit(1);
	}
	path_alice = xasprintf("%s/%s", dir, FILE_ALICE);
	path_bob = xasprintf("%s/%s", dir, FILE_BOB);
	path_auth = xasprintf("%s/%s", dir, FILE_AUTH);
	atexit(cleanup);
	return 0;
}

/* Replace path with exactly these bytes (none: no file at all). */
static void
put_file(const char *path, const uint8_t *p, size_t n, bool present)
{
	ssize_t w;
	int fd;

	(void)unlink(path);
	if (!present)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1) {
		perror(path);
		abort();
	}
	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			perror(path);
			abort();
		}
		p += w;
		n -= (size_t)w;
	}
	close(fd);
}

static bool
known(const char *tenant, void *arg)
{
	(void)arg;
	return strcmp(tenant, "alice") == 0 || strcmp(tenant, "bob") == 0;
}

static bool
one_word(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return false;
	}
	return true;
}

static bool
same_key(const struct key_entry *a, const struct key_entry *b)
{
	return strcmp(a->type, b->type) == 0 &&
	    strcmp(a->base64, b->base64) == 0;
}

static void
check_entry(const struct key_entry *k)
{
	char fp[KEYS_FP_LEN];

	CHECK(strcmp(k->tenant, "alice") == 0 || strcmp(k->tenant, "bob") == 0);
	CHECK(strcmp(k->file, strcmp(k->tenant, "alice") == 0 ? path_alice :
	    path_bob) == 0);
	CHECK(k->line >= 1);
	CHECK(one_word(k->type) && one_word(k->base64));
	CHECK(strncmp(k->fingerprint, FP_PREFIX, strlen(FP_PREFIX)) == 0);
	CHECK(keys_fingerprint(k->type, k->base64, fp, sizeof(fp)) == 0);
	CHECK(strcmp(fp, k->fingerprint) == 0);
}

/* The login path for one usable key must offer exactly that key. */
static void
check_login(const struct key_entry *k, const char *tenant)
{
	struct keyring only;
	struct diag d;
	size_t i, found = 0;

	diag_init(&d);
	(void)keys_load_only(dir, known, NULL, tenant, k->type, k->base64,
	    &only, &d);
	for (i = 0; i < only.nkeys; i++) {
		CHECK(same_key(&only.keys[i], k));
		if (!only.keys[i].usable)
			continue;
		CHECK(strcmp(only.keys[i].tenant, k->tenant) == 0);
		CHECK(strcmp(only.keys[i].fingerprint, k->fingerprint) == 0);
		found++;
	}
	CHECK(found == 1);
	keys_free(&only);
	diag_clear(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyring ring;
	struct diag d;
	const uint8_t *split;
	size_t alen, i, j;
	char fp[KEYS_FP_LEN];

	split = memmem(data, size, SPLIT, strlen(SPLIT));
	alen = split != NULL ? (size_t)(split - data) : size;
	put_file(path_alice, data, alen, true);
	if (split != NULL)
		put_file(path_bob, split + strlen(SPLIT),
		    size - alen - strlen(SPLIT), true);
	else
		put_file(path_bob, NULL, 0, false);
	put_file(path_auth, data, size, true);

	diag_init(&d);
	(void)keys_load(dir, known, NULL, &ring, &d);
	for (i = 0; i < ring.nkeys; i++) {
		check_entry(&ring.keys[i]);
		if (!ring.keys[i].usable)
			continue;
		for (j = 0; j < ring.nkeys; j++) {
			if (j != i)
				CHECK(!same_key(&ring.keys[i], &ring.keys[j]));
		}
		check_login(&ring.keys[i], ring.keys[i].tenant);
		check_login(&ring.keys[i], NULL);
	}
	keys_free(&ring);
	diag_clear(&d);

	(void)keys_load_tenant(dir, "alice", &ring, &d);
	for (i = 0; i < ring.nkeys; i++)
		CHECK(strcmp(ring.keys[i].tenant, "alice") == 0);
	keys_free(&ring);
	diag_clear(&d);

	if (keys_from_auth_info(path_auth, dir, fp, sizeof(fp)) == 0)
		CHECK(strncmp(fp, FP_PREFIX, strlen(FP_PREFIX)) == 0);
	else
		CHECK(fp[0] == '\0');
	return 0;
}
