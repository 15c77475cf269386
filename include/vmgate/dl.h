/*
 * dl: load a shared library on first use and resolve a list of its
 * functions. vmgate runs once per request; libvirt and libssh cost more
 * to load at start than most requests cost in all, and many requests need
 * neither. A leaf.
 */
#ifndef VMGATE_DL_H
#define VMGATE_DL_H

#include <stddef.h>

/*
 * dlopen soname (RTLD_LAZY | RTLD_LOCAL, never closed) and store the
 * address of names[i] in *slots[i]. 0, or -1 with the reason in err.
 */
int dl_resolve(const char *soname, const char *const names[], void **slots[],
    size_t n, char *err, size_t errlen);

#endif
