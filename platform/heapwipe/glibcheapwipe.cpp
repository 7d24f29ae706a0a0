// Freed heap memory is wiped (issue 12 "Hardening" and test 3; DESIGN.md "Keys"). Keys live in
// sodium_malloc memory, wiped by libsodium; record texts, search words and report texts pass
// through ordinary heap buffers (SQLCipher's decrypted pages and statements, CBOR decoding,
// QString and QByteArray), and glibc's free() leaves their bytes in the freed chunk until it is
// reused. After a lock, tests/residue/residue_memory.cpp found such texts in freed chunks of
// [heap] in every run (14 to 18 of them). So the app's executable (and liaison-hq's, which holds
// HQ's content key and every record) defines free() and realloc() itself: each zeroes the whole
// chunk (malloc_usable_size) before glibc gets it back, for every library in the process (the
// dynamic linker binds their free() to the executable's).
//
// glibc only (__libc_free, __libc_malloc, __libc_realloc): platform/CMakeLists.txt compiles this
// into liaison_heapwipe's users on Linux desktops without sanitizers (AddressSanitizer defines
// free() itself). Android and iOS allocate with their own allocators (Scudo, libmalloc); README
// "Building for Android and iOS" says what holds there.

#include <malloc.h>
#include <string.h>

extern "C" {
void __libc_free(void *ptr);
void *__libc_malloc(size_t size);

__attribute__((visibility("default"))) void free(void *ptr) noexcept
{
    if (ptr)
        explicit_bzero(ptr, malloc_usable_size(ptr));
    __libc_free(ptr);
}

// glibc's realloc frees a moved block inside the allocator, where free() above never sees it:
// a block that must grow is moved here, and the old one goes through free().
__attribute__((visibility("default"))) void *realloc(void *ptr, size_t size) noexcept
{
    if (!ptr)
        return __libc_malloc(size);
    if (size == 0) {
        free(ptr);
        return nullptr;
    }
    const size_t usable = malloc_usable_size(ptr);
    if (size <= usable)
        return ptr;
    void *moved = __libc_malloc(size);
    if (!moved)
        return nullptr; // the old block stays valid, as realloc promises
    memcpy(moved, ptr, usable);
    free(ptr);
    return moved;
}
}
