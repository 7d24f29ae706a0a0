// `backup --out FILE` and `restore FILE`: an encrypted copy of the desk store under its own
// passphrase, and the store made again from it (desk/deskbackup.h). After a restore every
// device's `down` stream moves forward by a wide margin of epochs with a RESYNC, so the devices
// never see HQ's epochs go back; `liaison-hq sync` sends those RESYNCs.

#include "cli.h"

#include "desk/deskbackup.h"
#include "desk/deskrelay.h"
#include "desktop/softwarekeystore.h"

#include <QDir>

#include <QFileInfo>

namespace liaison::hqcli {

namespace {

const QString kOptOut = QStringLiteral("out");
const QString kOptBackupPassphraseFile = QStringLiteral("backup-passphrase-file");

int backup(Context &ctx)
{
    if (!ctx.isSet(kOptOut))
        return ctx.usage(QStringLiteral("--out FILE is required"));
    if (!ctx.positional().isEmpty())
        return ctx.usage(QStringLiteral("unexpected argument %1").arg(ctx.positional().first()));
    const QString out = ctx.value(kOptOut);
    if (QFileInfo::exists(out))
        return ctx.fail(QStringLiteral("backup"),
                        Error(Errc::AlreadyExists,
                              QStringLiteral("%1 exists; a backup never overwrites a file").arg(out)));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    auto dir = ctx.storeDir();
    if (!dir)
        return dir.error();
    auto pass = ctx.passphrase(QStringLiteral("New backup passphrase"), kOptBackupPassphraseFile,
                               true);
    if (!pass)
        return pass.error();
    ctx.progress(QStringLiteral("encrypting the backup (Argon2id, about a second) ...\n"));
    auto info = desk::writeBackup(**store, *dir, out, *pass, ctx.kdfOverride());
    if (!info)
        return ctx.fail(QStringLiteral("backup"), info.error());
    ctx.result().insert(QStringLiteral("file"), out);
    ctx.result().insert(QStringLiteral("files"), info->files);
    ctx.result().insert(QStringLiteral("bytes"), info->bytes);
    ctx.result().insert(QStringLiteral("deployment"), QString::fromLatin1(info->deployment.toHex()));
    ctx.result().insert(QStringLiteral("created"), isoTime(info->createdMs));
    ctx.line(QStringLiteral("backup written to %1 (%2 bytes, %3 file(s) of the store); keep it "
                            "and its passphrase apart")
                 .arg(out)
                 .arg(info->bytes)
                 .arg(info->files));
    return ctx.finish();
}

int restore(Context &ctx)
{
    if (ctx.positional().size() != 1)
        return ctx.usage(QStringLiteral("give the backup file"));
    const QString file = ctx.positional().first();
    auto dir = ctx.storeDir();
    if (!dir)
        return dir.error();
    auto header = desk::readBackupInfo(file);
    if (!header)
        return ctx.fail(QStringLiteral("restore"), header.error());
    if (desk::DeskStore::exists(*dir) ||
        (QFileInfo::exists(*dir) && !QDir(*dir).isEmpty()))
        return ctx.fail(QStringLiteral("restore"),
                        Error(Errc::AlreadyExists,
                              QStringLiteral("%1 exists: restore into a new directory").arg(*dir)));
    auto pass = ctx.passphrase(QStringLiteral("Backup passphrase"), kOptBackupPassphraseFile, false);
    if (!pass)
        return pass.error();
    // Everything happens in a directory of its own, renamed into place at the end.
    const QString work = *dir + QStringLiteral(".restoring");
    if (QFileInfo::exists(work) && !QDir(work).removeRecursively())
        return ctx.fail(QStringLiteral("restore"),
                        Error(Errc::Io, QStringLiteral("cannot remove %1").arg(work)));
    ctx.progress(QStringLiteral("decrypting the backup ...\n"));
    auto info = desk::unpackBackup(file, work, *pass);
    if (!info)
        return ctx.fail(QStringLiteral("restore"), info.error());
    auto deskPass = ctx.passphrase(QStringLiteral("Desk store passphrase"), kOptPassphraseFile,
                                   false);
    if (!deskPass)
        return deskPass.error();
    desk::RestoreEpochs epochs;
    {
        platform::SoftwareKeyStore keys(QDir(work).filePath(QStringLiteral("keystore")));
        SystemClock vaultClock;
        auto store = desk::DeskStore::open(work, *deskPass, keys, vaultClock, ctx.clock(),
                                           ctx.vaultOptions());
        if (!store)
            return ctx.fail(QStringLiteral("restore (the desk passphrase of the backup's time "
                                           "opens it)"),
                            store.error());
        desk::DeskStore &desk = **store;
        desk.setOfficer(ctx.officer());
        auto relay = desk::DeskRelay::open(desk);
        if (!relay)
            return ctx.fail(QStringLiteral("relay"), relay.error());
        auto moved = desk::moveEpochsForward(desk, **relay);
        if (!moved)
            return ctx.fail(QStringLiteral("restore"), moved.error());
        epochs = *moved;
        if (auto s = desk.audit(QStringLiteral("restore"), QFileInfo(file).fileName(),
                                QStringLiteral("backup of %1, %2 file(s)")
                                    .arg(isoTime(info->createdMs))
                                    .arg(info->files));
            !s)
            return ctx.fail(QStringLiteral("audit"), s.error());
    }
    testKillPoint("restore");
    if (QFileInfo::exists(*dir) && !QDir().rmdir(*dir))
        return ctx.fail(QStringLiteral("restore"),
                        Error(Errc::Io, QStringLiteral("cannot replace %1").arg(*dir)));
    if (!QDir().rename(work, *dir))
        return ctx.fail(QStringLiteral("restore"),
                        Error(Errc::Io, QStringLiteral("cannot rename %1 to %2").arg(work, *dir)));
    ctx.result().insert(QStringLiteral("files"), info->files);
    ctx.result().insert(QStringLiteral("backupCreated"), isoTime(info->createdMs));
    ctx.result().insert(QStringLiteral("deployment"), QString::fromLatin1(info->deployment.toHex()));
    ctx.result().insert(QStringLiteral("streamsMoved"), epochs.devices);
    ctx.result().insert(QStringLiteral("streamsSkipped"), epochs.skipped);
    ctx.result().insert(QStringLiteral("epochGap"), qint64(desk::kRestoreEpochGap));
    ctx.line(QStringLiteral("restored the desk store of %1 into %2; %3 device stream(s) moved "
                            "forward with a RESYNC (liaison-hq sync sends them)")
                 .arg(isoTime(info->createdMs), *dir)
                 .arg(epochs.devices));
    return ctx.finish();
}

void backupPassOpt(QCommandLineParser &p)
{
    p.addOption({kOptBackupPassphraseFile,
                 QStringLiteral("Read the backup's passphrase from the first line of FILE (- for "
                                "stdin) instead of asking on the terminal."),
                 QStringLiteral("file")});
}

} // namespace

void addBackupCommands(QList<Command> &out)
{
    out.append({{QStringLiteral("backup")},
                QStringLiteral("Write an encrypted copy of the desk store"),
                QString(),
                [](QCommandLineParser &p) {
                    p.addOption({kOptOut, QStringLiteral("The backup file (must not exist)."),
                                 QStringLiteral("file")});
                    backupPassOpt(p);
                },
                backup});
    out.append({{QStringLiteral("restore")},
                QStringLiteral("Make the desk store again from a backup (into --store DIR, new)"),
                QStringLiteral("FILE"), backupPassOpt, restore});
}

} // namespace liaison::hqcli
