// protectWindow() on the desktop (platform/lifecycle.h): a no-op. X11 and Wayland offer no flag
// that keeps a window out of screenshots or screen recording, and a desktop has no app switcher
// snapshot to cover; the vault's auto-lock is the desktop's protection.

#include "lifecycle.h"

namespace liaison::platform {

void protectWindow(QWindow *window)
{
    Q_UNUSED(window);
}

} // namespace liaison::platform
