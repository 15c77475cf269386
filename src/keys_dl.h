/*
 * keys_dl.h: libssh is loaded the first time a key is parsed, not at
 * program start: most tenant requests parse no key, and loading libssh
 * costs more than such a request does in all. Included by keys.c only:
 * after it, each libssh function name below calls through a pointer that
 * keys_ssh_load filled. Call keys_ssh_load (and give up when it fails)
 * before the first of them.
 */
#ifndef VMGATE_KEYS_DL_H
#define VMGATE_KEYS_DL_H

#include <libssh/libssh.h>

#define KEYS_DL_LIBSSH "libssh.so.4"

#define KEYS_DL_FUNCS(X) \
	X(ssh_clean_pubkey_hash) \
	X(ssh_get_fingerprint_hash) \
	X(ssh_get_publickey_hash) \
	X(ssh_key_free) \
	X(ssh_key_type) \
	X(ssh_key_type_from_name) \
	X(ssh_key_type_to_char) \
	X(ssh_pki_export_pubkey_base64) \
	X(ssh_pki_import_pubkey_base64) \
	X(ssh_string_free_char)

#define KEYS_DL_DECLARE(f) extern __typeof__(f) *keys_dl_##f;
KEYS_DL_FUNCS(KEYS_DL_DECLARE)
#undef KEYS_DL_DECLARE

/* 0 when libssh is loaded (tried once per process), -1 otherwise */
int keys_ssh_load(void);

#define ssh_clean_pubkey_hash (*keys_dl_ssh_clean_pubkey_hash)
#define ssh_get_fingerprint_hash (*keys_dl_ssh_get_fingerprint_hash)
#define ssh_get_publickey_hash (*keys_dl_ssh_get_publickey_hash)
#define ssh_key_free (*keys_dl_ssh_key_free)
#define ssh_key_type (*keys_dl_ssh_key_type)
#define ssh_key_type_from_name (*keys_dl_ssh_key_type_from_name)
#define ssh_key_type_to_char (*keys_dl_ssh_key_type_to_char)
#define ssh_pki_export_pubkey_base64 (*keys_dl_ssh_pki_export_pubkey_base64)
#define ssh_pki_import_pubkey_base64 (*keys_dl_ssh_pki_import_pubkey_base64)
#define ssh_string_free_char (*keys_dl_ssh_string_free_char)

#endif
