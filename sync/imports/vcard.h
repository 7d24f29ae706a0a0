#pragma once

// Contacts from vCard files (issue 10 "Imports that survive real files"): versions 2.1, 3.0 and
// 4.0 as phones, Outlook, Google and Apple write them:
//  - line folding (a line starting with a space or tab continues the previous one), CRLF or LF;
//  - 2.1: QUOTED-PRINTABLE values (soft line breaks included) and CHARSET (UTF-8, Windows-1250,
//    ISO-8859-2), bare parameters (TEL;WORK;VOICE);
//  - escaping (\n \, \; \\), structured values (N, ADR, ORG with units), quoted parameter values;
//  - grouped properties (item1.TEL with item1.X-ABLabel giving the phone's label);
//  - several TEL / EMAIL / ADR with types; TYPE=fax goes to the fax list.
// Each card becomes a ContactRow (contactcsv.h), so the import, its stable keys (UID, else name
// and organisation) and its all-or-nothing rule are the CSV importer's. Every bad card is a
// problem with the line it starts on.
//
// Export: vCard 4.0 (RFC 6350), UTF-8, CRLF, folded at 75 octets; Liaison's own fields that
// vCard has no property for travel as X-LIAISON-* and come back on re-import.

#include "imports/contactcsv.h"

namespace liaison::imports {

[[nodiscard]] Result<ContactSheet> readContactVcard(QByteArrayView bytes,
                                                    const ContactCsvOptions &options);

[[nodiscard]] QByteArray contactToVcard(const model::RecordId &id, const QString &scope,
                                        const model::FieldMap &fields);

} // namespace liaison::imports
