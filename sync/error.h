#pragma once

#include <QString>

#include <expected>

namespace liaison {

// One error model for the whole core. Controllers turn these into an enum status and a human
// sentence for the UI; nothing throws across the event loop.
enum class Errc {
    Ok = 0,
    InvalidArgument,   // a caller passed something unusable
    CryptoFailure,     // libsodium refused (allocation, self-test, bad key)
    AuthFailed,        // AEAD/MAC/signature did not verify
    WrongKey,          // database key or passphrase does not open the store
    Tampered,          // the file is corrupt or was changed
    PlaintextDatabase, // a plain SQLite file sits where an encrypted one must be
    NotEncrypted,      // SQLCipher is not active in this process
    Io,                // read/write/fsync failed (disk full, permissions)
    SchemaTooNew,      // written by a newer version of Liaison
    DamagedKeyFile,    // key file parameters out of range or layout wrong
    LockedOut,         // too many failed unlocks: wait until the next allowed time
    Erased,            // the vault was crypto-erased
    WeakPassphrase,    // the passphrase does not meet the rules
    NotFound,
    AlreadyExists,
    Malformed, // bytes from outside that do not parse
    Refused,   // a rule of the protocol forbids it
    Busy,
    Network,
    Internal,
};

struct Error
{
    Errc code = Errc::Internal;
    QString message; // for people; never contains secrets, plaintext or positions

    Error() = default;
    Error(Errc c, QString m)
        : code(c)
        , message(std::move(m))
    {}
};

template <typename T> using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

[[nodiscard]] inline std::unexpected<Error> fail(Errc code, QString message)
{
    return std::unexpected<Error>(Error(code, std::move(message)));
}

const char *errcName(Errc code);

} // namespace liaison
