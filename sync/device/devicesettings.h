#pragma once

// DESIGN.md "Unlock, lockout, auto-lock" (issue 11, Settings): what the device keeps in its vault
// besides the records and the profile.
//  - HQ's policy (protocol::PolicyPayload: auto-lock ceiling, erase-after count, version), from a
//    POLICY envelope or the policy inside a RESYNC, saved in the envelope's transaction; an older
//    version never replaces a newer one.
//  - The officer's own auto-lock delay, never above HQ's ceiling (effectiveAutoLockSeconds).
//  - When the last good sync round ended (the sync page's "Last synced", kept across restarts).

#include "protocol/body.h"
#include "store/database.h"

#include <cstdint>
#include <optional>

namespace liaison::device {

// The choices the settings page offers (seconds).
inline constexpr int kAutoLockChoices[] = {30, 60, 120, 300, 600};

[[nodiscard]] Status createSettingsTables(store::Database &db); // a device migration

[[nodiscard]] Result<std::optional<protocol::PolicyPayload>> loadHqPolicy(store::Database &db);
// Saved when there is none yet or `policy.version` is not below the saved one. Returns whether
// it was saved.
[[nodiscard]] Result<bool> saveHqPolicy(store::Database &db, const protocol::PolicyPayload &policy);

// The officer's auto-lock choice; nullopt when never set.
[[nodiscard]] Result<std::optional<int>> loadAutoLockSetting(store::Database &db);
[[nodiscard]] Status saveAutoLockSetting(store::Database &db, int seconds);

// The end of the last good sync round (this device's wall clock, ms); nullopt when never.
[[nodiscard]] Result<std::optional<qint64>> loadLastSyncedMs(store::Database &db);
[[nodiscard]] Status saveLastSyncedMs(store::Database &db, qint64 ms);

// The erase-after count HQ's policy asks the vault's key file to hold: nullopt without a policy,
// 0 = never, else within what a key file accepts (vault::kEraseAfterMin..kEraseAfterMax).
// liaison-device writes it into the key file at unlock (vault::Vault::changePassphrase with the
// same passphrase, as only the passphrase authenticates the count), as the app's VaultController
// does with the same rule (app/appcontroller.cpp, its erase-after source).
[[nodiscard]] std::optional<std::uint16_t>
policyEraseAfter(const std::optional<protocol::PolicyPayload> &policy);

// The delay that applies (ms): the officer's choice (seconds) or else `fallbackMs`, at most HQ's
// ceiling.
[[nodiscard]] qint64 effectiveAutoLockMs(std::optional<int> chosenSeconds, qint64 fallbackMs,
                                         const std::optional<protocol::PolicyPayload> &policy);

} // namespace liaison::device
