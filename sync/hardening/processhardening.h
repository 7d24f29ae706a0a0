#pragma once

// Process hardening at start (DESIGN.md "Keys": secrets live only in locked sodium_malloc memory;
// issue 12 "Hardening"). Every executable calls hardenProcess() first thing in main(), before it
// reads a passphrase or opens a store: a crash then writes no core file, and no process of the
// same user can ptrace it or read its memory through /proc/PID/mem.
//
// It links libc only (and Qt Core for the error type), so the relay uses it without the platform
// layer.

#include "error.h"

namespace liaison::hardening {

// - RLIMIT_CORE soft and hard 0: no core file, and the process cannot raise it again;
// - PR_SET_DUMPABLE 0: no core dump, no ptrace attach by same-uid processes, /proc/PID owned by
//   root;
// - umask 077: every file it creates is 0600 at most, every folder 0700;
// - RLIMIT_MEMLOCK soft raised to the hard limit, so sodium_malloc can lock every secret buffer.
// Each is read back; a failure is an error and the caller refuses to run.
[[nodiscard]] Status hardenProcess();

// Whether the calling process is dumpable now (PR_GET_DUMPABLE); for tests and self-checks.
[[nodiscard]] bool processDumpable();

} // namespace liaison::hardening
