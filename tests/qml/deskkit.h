#pragma once

// DESIGN.md "Enrolment": the desk side of the app's enrolment test. The real liaison-hq on a
// desk store made from nothing (root key, certificate, scope post:vienna with the Outlook
// fixture's contacts) and a real liaison-relay child process on loopback (SQLite), as
// tst_hqcli_enrol runs them (hqclikit.h, relaytestkit.h). Calls block until liaison-hq ends.

#include <QString>

#include <memory>

namespace liaison::test {

class DeskKit
{
public:
    DeskKit();
    ~DeskKit();
    DeskKit(const DeskKit &) = delete;
    DeskKit &operator=(const DeskKit &) = delete;

    // Relay, desk, scope, contacts. Empty on success, else what failed.
    [[nodiscard]] QString start();
    // `device add --scope post:vienna` (with --png when `pngPath` is given): the code text, and
    // the device id in `deviceId`. Empty on failure.
    [[nodiscard]] QString addDevice(const QString &pngPath, QString *deviceId);
    // `device confirm ID --number NUMBER`: exit code 0.
    [[nodiscard]] bool confirm(const QString &deviceId, const QString &number);
    // `device cancel ID`: exit code 0.
    [[nodiscard]] bool cancel(const QString &deviceId);
    // A path in the kit's temporary directory.
    [[nodiscard]] QString path(const QString &name) const;

private:
    struct Parts;
    std::unique_ptr<Parts> m;
};

} // namespace liaison::test
