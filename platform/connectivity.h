#pragma once

// The platform's connectivity source for the sync engine (client::Connectivity). The
// implementation is chosen in CMake (platform/<os>/); on the desktop it is QNetworkInformation
// when a backend loads, else a "none" source that always says Unknown (the engine then syncs on
// its timer and backs off on failure).

#include "client/connectivity.h"

#include <memory>

class QObject;

namespace liaison::platform {

[[nodiscard]] std::unique_ptr<client::Connectivity> createConnectivity(QObject *parent = nullptr);

} // namespace liaison::platform
