#pragma once

// Applying an imported contact sheet to the desk store (issue 10 "Imports that survive real
// files"; DESIGN.md "Data"). The rules are recordimport.h's: all-or-nothing unless skipBad,
// dryRun rolls back, one transaction, stable keys make a second import change nothing.

#include "desk/recordimport.h"
#include "imports/contactcsv.h"

namespace liaison::desk {

[[nodiscard]] Result<ImportOutcome>
importContacts(DeskStore &desk, const imports::ContactSheet &sheet, const ImportOptions &options);

// The live contacts of the scopes (all scopes when empty), by name.
[[nodiscard]] Result<QList<model::RecordState>> liveContacts(DeskStore &desk,
                                                             const QStringList &scopes);
// A contact named by its full id or a unique prefix of its hex (dashes ignored).
[[nodiscard]] Result<model::RecordState> findContact(DeskStore &desk, const QString &idOrPrefix);

} // namespace liaison::desk
