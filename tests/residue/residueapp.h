#pragma once

// Issue 12 tests 1-3: the scripted use of the app whose traces the residue tests look for,
// through the app's real controller (app::AppController) as Main.qml drives it: unlock with the
// passphrase, browse every model (every role of every row, as the pages read them), search the
// contacts, send a field report with the position, check in at a visit item with the NMEA
// replay's fix, let the sync engine run its rounds against the relay when the profile names one,
// and lock. The passphrase goes in as the unlock page hands it over (a QString), which the
// script then overwrites, as a cleared text field would.

#include "appcontroller.h"
#include "positionsource.h"

#include <functional>

namespace liaison::residue {

// The canaries both residue tests plant: the passphrase, record texts made at HQ, the report the
// officer writes, and a search that finds the contact.
inline constexpr char kPassphrase[] = "quartz harbour violet tundra mosaic";
inline constexpr char kContactName[] = "Zephyrine Quillfeather-Oyelaran";
inline constexpr char kContactNotes[] = "canary note: meets the source at the tram depot KX7Q";
inline constexpr char kCaseSummary[] = "canary case summary: cash courier via Linz, ref QZ-4471";
inline constexpr char kInstructionBody[] =
    "canary instruction: never discuss the Varga file by phone";
inline constexpr char kEscortNotes[] = "canary escort: side entrance, door code 5591";
inline constexpr char kReportText[] = "canary report: delegation left by the service lift";
inline constexpr char kSearch[] = "Quillfeather";

struct ScriptOptions
{
    QString searchText; // a contact search that finds at least one contact
    QString reportText; // the field report the officer writes
    bool sync = false;  // the profile names a relay: wait for rounds, the report must go out
    int timeoutMs = 60'000;
};

// Runs the script; "" when every step did what it should, else the step that failed and why.
// `whileUnlocked` runs after the last step before the lock (the memory test looks at the
// process then).
[[nodiscard]] QString runScript(app::AppController &app, platform::PositionSource &position,
                                const crypto::SecretBytes &passphrase, const ScriptOptions &options,
                                const std::function<void()> &whileUnlocked = {});

// Spins the event loop until `done` or `timeoutMs` passed.
[[nodiscard]] bool waitFor(const std::function<bool()> &done, int timeoutMs);

} // namespace liaison::residue
