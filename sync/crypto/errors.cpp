#include "error.h"

namespace liaison {

const char *errcName(Errc code)
{
    switch (code) {
    case Errc::Ok:
        return "ok";
    case Errc::InvalidArgument:
        return "invalid argument";
    case Errc::CryptoFailure:
        return "crypto failure";
    case Errc::AuthFailed:
        return "authentication failed";
    case Errc::WrongKey:
        return "wrong key";
    case Errc::Tampered:
        return "tampered or corrupt";
    case Errc::PlaintextDatabase:
        return "plaintext database";
    case Errc::NotEncrypted:
        return "encryption not active";
    case Errc::Io:
        return "I/O error";
    case Errc::SchemaTooNew:
        return "schema too new";
    case Errc::DamagedKeyFile:
        return "damaged key file";
    case Errc::LockedOut:
        return "locked out";
    case Errc::Erased:
        return "erased";
    case Errc::WeakPassphrase:
        return "weak passphrase";
    case Errc::NotFound:
        return "not found";
    case Errc::AlreadyExists:
        return "already exists";
    case Errc::Malformed:
        return "malformed";
    case Errc::Refused:
        return "refused";
    case Errc::Busy:
        return "busy";
    case Errc::Network:
        return "network";
    case Errc::Internal:
        return "internal";
    }
    return "unknown";
}

} // namespace liaison
