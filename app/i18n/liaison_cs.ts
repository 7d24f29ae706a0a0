<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="cs_CZ" sourcelanguage="en_GB">
<context>
    <name>CaseCard</name>
    <message>
        <source>Priority: %1</source>
        <translation>Priorita: %1</translation>
    </message>
    <message>
        <source>Handling code: %1</source>
        <translation>Kód zacházení: %1</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>Shrnutí</translation>
    </message>
    <message>
        <source>Countries</source>
        <translation>Státy</translation>
    </message>
    <message>
        <source>Linked contacts</source>
        <translation>Související kontakty</translation>
    </message>
</context>
<context>
    <name>CasesPage</name>
    <message>
        <source>No case summaries on this device.</source>
        <translation>V tomto zařízení nejsou žádné přehledy případů.</translation>
    </message>
    <message>
        <source>Filter by channel: %1</source>
        <translation>Filtr podle kanálu: %1</translation>
    </message>
    <message>
        <source>Bilateral</source>
        <translation>Bilaterální</translation>
    </message>
    <message>
        <source>Filter by status: %1</source>
        <translation>Filtr podle stavu: %1</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Otevřený</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Aktivní</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>Čeká</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Uzavřený</translation>
    </message>
    <message>
        <source>Filter by priority: %1</source>
        <translation>Filtr podle priority: %1</translation>
    </message>
    <message>
        <source>Urgent</source>
        <translation>Naléhavá</translation>
    </message>
    <message>
        <source>High</source>
        <translation>Vysoká</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>Běžná</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>Nízká</translation>
    </message>
    <message>
        <source>No case matches these filters.</source>
        <translation>Těmto filtrům neodpovídá žádný případ.</translation>
    </message>
    <message>
        <source>Show all cases</source>
        <translation>Zobrazit všechny případy</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Kanál</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Stav</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>Priorita</translation>
    </message>
    <message>
        <source>all</source>
        <translation>vše</translation>
    </message>
</context>
<context>
    <name>ClockWrongBanner</name>
    <message>
        <source>&lt;b&gt;The device clock is wrong.&lt;/b&gt; Set the correct date and time. Until then Liaison stamps your changes with HQ&apos;s time.</source>
        <translation>&lt;b&gt;Hodiny zařízení jdou špatně.&lt;/b&gt; Nastavte správné datum a čas. Do té doby Liaison označuje vaše změny časem centrály.</translation>
    </message>
</context>
<context>
    <name>CodeScanner</name>
    <message>
        <source>This device has no camera the app can use. Type or paste the code instead.</source>
        <translation>Toto zařízení nemá fotoaparát, který by aplikace mohla použít. Kód raději opište nebo vložte.</translation>
    </message>
    <message>
        <source>The camera cannot be used: %1</source>
        <translation>Fotoaparát nelze použít: %1</translation>
    </message>
    <message>
        <source>Hold the QR code HQ printed for this device inside the square.</source>
        <translation>Držte QR kód, který centrála pro toto zařízení vytiskla, uvnitř čtverce.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Zrušit</translation>
    </message>
    <message>
        <source>Stop scanning and go back to the form</source>
        <translation>Ukončit skenování a vrátit se k formuláři</translation>
    </message>
</context>
<context>
    <name>ContactCard</name>
    <message>
        <source>%1 · local time %2</source>
        <translation>%1 · místní čas %2</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Telefon</translation>
    </message>
    <message>
        <source>24/7 line</source>
        <translation>Linka 24/7</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>Fax</source>
        <translation>Fax</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Adresa</translation>
    </message>
    <message>
        <source>Languages and time zone</source>
        <translation>Jazyky a časové pásmo</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Poznámky</translation>
    </message>
    <message>
        <source>Call 24/7</source>
        <translation>Volat 24/7</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>Volat</translation>
    </message>
    <message>
        <source>Call %1</source>
        <translation>Volat %1</translation>
    </message>
    <message>
        <source>SMS</source>
        <translation>SMS</translation>
    </message>
    <message>
        <source>Write an SMS to %1</source>
        <translation>Napsat SMS na %1</translation>
    </message>
    <message>
        <source>Write an e-mail to %1</source>
        <translation>Napsat e-mail na %1</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopírovat</translation>
    </message>
    <message>
        <source>Copy the number %1</source>
        <translation>Zkopírovat číslo %1</translation>
    </message>
</context>
<context>
    <name>ContactDelegate</name>
    <message>
        <source>Call the 24/7 line of %1</source>
        <translation>Volat linku 24/7: %1</translation>
    </message>
    <message>
        <source>Call 24/7 line</source>
        <translation>Volat linku 24/7</translation>
    </message>
</context>
<context>
    <name>ContactsPage</name>
    <message>
        <source>Search name, organisation, country</source>
        <translation>Hledat jméno, organizaci, stát</translation>
    </message>
    <message>
        <source>A–Z</source>
        <translation>A–Z</translation>
    </message>
    <message>
        <source>Country</source>
        <translation>Stát</translation>
    </message>
    <message>
        <source>Organisation</source>
        <translation>Organizace</translation>
    </message>
    <message>
        <source>No contact matches “%1”.</source>
        <translation>Výrazu „%1“ neodpovídá žádný kontakt.</translation>
    </message>
    <message>
        <source>No contacts on this device yet.</source>
        <translation>V tomto zařízení zatím nejsou žádné kontakty.</translation>
    </message>
</context>
<context>
    <name>EnrolPage</name>
    <message>
        <source>Enrol this device with HQ</source>
        <translation>Registrace zařízení u centrály</translation>
    </message>
    <message>
        <source>Enrolment code</source>
        <translation>Registrační kód</translation>
    </message>
    <message>
        <source>Type the code HQ gave you, paste it, or drop a picture of its QR code here. Spaces and line breaks do not matter.</source>
        <translation>Opište kód, který vám dala centrála, vložte ho, nebo sem přetáhněte obrázek jeho QR kódu. Na mezerách a zalomení řádků nezáleží.</translation>
    </message>
    <message>
        <source>LIAISON1-…</source>
        <translation>LIAISON1-…</translation>
    </message>
    <message>
        <source>Paste the code or its QR picture</source>
        <translation>Vložit kód nebo obrázek QR kódu</translation>
    </message>
    <message>
        <source>Paste the enrolment code, or read it from a copied picture of the QR code</source>
        <translation>Vložit registrační kód nebo ho načíst ze zkopírovaného obrázku QR kódu</translation>
    </message>
    <message>
        <source>Your passphrase</source>
        <translation>Vaše heslová fráze</translation>
    </message>
    <message>
        <source>At least five words or twelve characters. It opens the vault on this device. Nobody, HQ included, can recover it; after too many wrong tries the vault erases itself.</source>
        <translation>Nejméně pět slov nebo dvanáct znaků. Otevírá trezor v tomto zařízení. Nikdo, ani centrála, ji nedokáže obnovit; po příliš mnoha chybných pokusech se trezor sám vymaže.</translation>
    </message>
    <message>
        <source>New passphrase</source>
        <translation>Nová heslová fráze</translation>
    </message>
    <message>
        <source>Passphrase strength</source>
        <translation>Síla heslové fráze</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Zobrazit</translation>
    </message>
    <message>
        <source>Show the passphrase</source>
        <translation>Zobrazit heslovou frázi</translation>
    </message>
    <message>
        <source>Suggest words</source>
        <translation>Navrhnout slova</translation>
    </message>
    <message>
        <source>Suggest a passphrase of six random words</source>
        <translation>Navrhnout heslovou frázi ze šesti náhodných slov</translation>
    </message>
    <message>
        <source>Type it again</source>
        <translation>Zadejte ji znovu</translation>
    </message>
    <message>
        <source>Repeat the passphrase</source>
        <translation>Zopakujte heslovou frázi</translation>
    </message>
    <message>
        <source>Enrol</source>
        <translation>Zaregistrovat</translation>
    </message>
    <message>
        <source>Enrol this device</source>
        <translation>Zaregistrovat toto zařízení</translation>
    </message>
    <message>
        <source>Set up without HQ (training)</source>
        <translation>Nastavit bez centrály (výcvik)</translation>
    </message>
    <message>
        <source>Set up a local vault without HQ, for training</source>
        <translation>Založit místní trezor bez centrály, pro výcvik</translation>
    </message>
    <message>
        <source>Working</source>
        <translation>Probíhá</translation>
    </message>
    <message>
        <source>Safety number</source>
        <translation>Bezpečnostní číslo</translation>
    </message>
    <message>
        <source>Read these 60 digits to the desk when HQ calls you. If one digit differs, HQ refuses the enrolment.</source>
        <translation>Až vám centrála zavolá, přečtěte jí těchto 60 číslic. Pokud se liší byť jediná číslice, centrála registraci odmítne.</translation>
    </message>
    <message>
        <source>Safety number %1</source>
        <translation>Bezpečnostní číslo %1</translation>
    </message>
    <message>
        <source>Waiting for HQ</source>
        <translation>Čeká se na centrálu</translation>
    </message>
    <message>
        <source>Scan the QR code with the camera</source>
        <translation>Naskenovat QR kód fotoaparátem</translation>
    </message>
    <message>
        <source>Scan the enrolment code&apos;s QR code with the camera</source>
        <translation>Naskenovat QR kód registračního kódu fotoaparátem</translation>
    </message>
</context>
<context>
    <name>Geo</name>
    <message>
        <source>%1 m</source>
        <translation>%1 m</translation>
    </message>
    <message>
        <source>%1 km</source>
        <translation>%1 km</translation>
    </message>
</context>
<context>
    <name>InstructionCard</name>
    <message>
        <source>Priority: %1</source>
        <translation>Priorita: %1</translation>
    </message>
    <message>
        <source>Version %1</source>
        <translation>Verze %1</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>Platnost skončila</translation>
    </message>
    <message>
        <source>You %1. HQ receives the acknowledgement with the next sync.</source>
        <translation>Potvrzeno: %1. Centrála potvrzení obdrží při příští synchronizaci.</translation>
    </message>
    <message>
        <source>This instruction expired before you acknowledged it.</source>
        <translation>Platnost pokynu skončila dříve, než jste ho potvrdili.</translation>
    </message>
    <message>
        <source>HQ asks you to confirm that you have read this instruction.</source>
        <translation>Centrála žádá o potvrzení, že jste pokyn přečetli.</translation>
    </message>
    <message>
        <source>I have read this instruction</source>
        <translation>Pokyn jsem přečetl(a)</translation>
    </message>
</context>
<context>
    <name>InstructionDelegate</name>
    <message>
        <source>Acknowledge</source>
        <translation>Potvrdit</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>Potvrzeno</translation>
    </message>
</context>
<context>
    <name>InstructionsPage</name>
    <message>
        <source>1 instruction awaits your acknowledgement.</source>
        <translation>1 pokyn čeká na vaše potvrzení.</translation>
    </message>
    <message>
        <source>%1 instructions await your acknowledgement.</source>
        <translation>Pokyny čekající na vaše potvrzení: %1.</translation>
    </message>
    <message>
        <source>No instructions on this device.</source>
        <translation>V tomto zařízení nejsou žádné pokyny.</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>Liaison</source>
        <translation>Liaison</translation>
    </message>
</context>
<context>
    <name>MainPage</name>
    <message>
        <source>Contact</source>
        <translation>Kontakt</translation>
    </message>
    <message>
        <source>Case</source>
        <translation>Případ</translation>
    </message>
    <message>
        <source>Instruction</source>
        <translation>Pokyn</translation>
    </message>
    <message>
        <source>Visit item</source>
        <translation>Bod programu</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Nastavení</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Zamknout</translation>
    </message>
    <message>
        <source>Lock the vault</source>
        <translation>Zamknout trezor</translation>
    </message>
    <message>
        <source>Select an entry on the left.</source>
        <translation>Vyberte položku vlevo.</translation>
    </message>
    <message>
        <source>Contacts</source>
        <translation>Kontakty</translation>
    </message>
    <message>
        <source>Cases</source>
        <translation>Případy</translation>
    </message>
    <message>
        <source>Instructions</source>
        <translation>Pokyny</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>Program</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>Hlášení</translation>
    </message>
    <message>
        <source>Case summaries</source>
        <translation>Přehledy případů</translation>
    </message>
    <message>
        <source>Visit schedule</source>
        <translation>Program návštěvy</translation>
    </message>
    <message>
        <source>Field reports</source>
        <translation>Hlášení z terénu</translation>
    </message>
    <message>
        <source>Sync with HQ</source>
        <translation>Synchronizace</translation>
    </message>
    <message>
        <source>this device&apos;s hardware-backed key store</source>
        <translation>hardwarově chráněné úložiště klíčů tohoto zařízení</translation>
    </message>
    <message>
        <source>the system key ring: apart from the vault&apos;s files, unlocked with your login</source>
        <translation>systémová klíčenka: odděleně od souborů trezoru, odemyká se vaším přihlášením</translation>
    </message>
    <message>
        <source>software key store (weaker: a file beside the vault)</source>
        <translation>softwarové úložiště klíčů (slabší: soubor vedle trezoru)</translation>
    </message>
</context>
<context>
    <name>NoticeBanner</name>
    <message>
        <source>Dismiss</source>
        <translation>Zavřít</translation>
    </message>
    <message>
        <source>Dismiss the notice</source>
        <translation>Zavřít oznámení</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>just now</source>
        <translation>právě teď</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 min</translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation>%1 h</translation>
    </message>
    <message>
        <source>1 day</source>
        <translation>1 d</translation>
    </message>
    <message>
        <source>%1 days</source>
        <translation>%1 d</translation>
    </message>
    <message>
        <source>%1 ago</source>
        <translation>před %1</translation>
    </message>
    <message>
        <source>in %1</source>
        <translation>za %1</translation>
    </message>
    <message>
        <source>NMEA replay</source>
        <translation>Přehrávání NMEA</translation>
    </message>
    <message>
        <source>The NMEA replay file cannot be read: %1</source>
        <translation>Soubor pro přehrávání NMEA nelze přečíst: %1</translation>
    </message>
    <message>
        <source>device position (%1)</source>
        <translation>poloha zařízení (%1)</translation>
    </message>
    <message>
        <source>no position source</source>
        <translation>žádný zdroj polohy</translation>
    </message>
    <message>
        <source>This device has no position source.</source>
        <translation>Toto zařízení nemá zdroj polohy.</translation>
    </message>
</context>
<context>
    <name>QuickUnlock</name>
    <message>
        <source>Quick unlock</source>
        <translation>Rychlé odemknutí</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Zrušit</translation>
    </message>
    <message>
        <source>Unlock Liaison</source>
        <translation>Odemknout Liaison</translation>
    </message>
    <message>
        <source>Use passphrase</source>
        <translation>Použít heslo</translation>
    </message>
</context>
<context>
    <name>ReportsPage</name>
    <message>
        <source>What happened? (stays on this device until the next sync)</source>
        <translation>Co se stalo? (zůstane v zařízení do příští synchronizace)</translation>
    </message>
    <message>
        <source>Report text</source>
        <translation>Text hlášení</translation>
    </message>
    <message>
        <source>Attach my position</source>
        <translation>Připojit mou polohu</translation>
    </message>
    <message>
        <source>Link a case</source>
        <translation>Připojit případ</translation>
    </message>
    <message>
        <source>Case to link</source>
        <translation>Připojený případ</translation>
    </message>
    <message>
        <source>Queue report for HQ</source>
        <translation>Zařadit hlášení k odeslání centrále</translation>
    </message>
    <message>
        <source>No reports or check-ins yet.</source>
        <translation>Zatím žádná hlášení ani ohlášení příchodu.</translation>
    </message>
</context>
<context>
    <name>ScheduleCard</name>
    <message>
        <source>When (local time at the venue)</source>
        <translation>Kdy (místní čas v místě konání)</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>Kde</translation>
    </message>
    <message>
        <source>Participants</source>
        <translation>Účastníci</translation>
    </message>
    <message>
        <source>Escort notes</source>
        <translation>Poznámky k doprovodu</translation>
    </message>
    <message>
        <source>Check in</source>
        <translation>Ohlásit příchod</translation>
    </message>
    <message>
        <source>Check in at %1 with the current position</source>
        <translation>Ohlásit příchod na místo %1 s aktuální polohou</translation>
    </message>
    <message>
        <source>Navigate</source>
        <translation>Navigovat</translation>
    </message>
    <message>
        <source>Open the venue in the map app; its position leaves the vault</source>
        <translation>Otevřít místo v mapové aplikaci; jeho poloha opustí trezor</translation>
    </message>
</context>
<context>
    <name>ScheduleDelegate</name>
    <message>
        <source>Next</source>
        <translation>Další</translation>
    </message>
</context>
<context>
    <name>SchedulePage</name>
    <message>
        <source>No visits scheduled on this device.</source>
        <translation>V tomto zařízení nejsou naplánované žádné návštěvy.</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Settings</source>
        <translation>Nastavení</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 min</translation>
    </message>
    <message>
        <source>Auto-lock</source>
        <translation>Automatické zamykání</translation>
    </message>
    <message>
        <source>The vault locks after this time in the background. A call placed from the app does not lock it.</source>
        <translation>Trezor se zamkne po této době na pozadí. Hovor zahájený z aplikace ho nezamkne.</translation>
    </message>
    <message>
        <source>Lock after %1 in the background</source>
        <translation>Zamknout po %1 na pozadí</translation>
    </message>
    <message>
        <source>HQ&apos;s policy: auto-lock after at most %1; the vault erases itself after %2 wrong passphrases (from the next unlock).</source>
        <translation>Pravidla centrály: zamknout nejpozději po %1; trezor se sám vymaže po %2 chybných heslových frázích (od příštího odemčení).</translation>
    </message>
    <message>
        <source>HQ&apos;s policy: auto-lock after at most %1.</source>
        <translation>Pravidla centrály: zamknout nejpozději po %1.</translation>
    </message>
    <message>
        <source>HQ has sent no policy yet.</source>
        <translation>Centrála zatím neposlala žádná pravidla.</translation>
    </message>
    <message>
        <source>Change passphrase</source>
        <translation>Změna heslové fráze</translation>
    </message>
    <message>
        <source>Current passphrase</source>
        <translation>Současná heslová fráze</translation>
    </message>
    <message>
        <source>New passphrase</source>
        <translation>Nová heslová fráze</translation>
    </message>
    <message>
        <source>New passphrase again</source>
        <translation>Nová heslová fráze znovu</translation>
    </message>
    <message>
        <source>Repeat the new passphrase</source>
        <translation>Zopakujte novou heslovou frázi</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Zobrazit</translation>
    </message>
    <message>
        <source>Show the passphrases</source>
        <translation>Zobrazit heslové fráze</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Změnit</translation>
    </message>
    <message>
        <source>Change the passphrase</source>
        <translation>Změnit heslovou frázi</translation>
    </message>
    <message>
        <source>This device</source>
        <translation>Toto zařízení</translation>
    </message>
    <message>
        <source>Key fingerprint, for HQ to compare:</source>
        <translation>Otisk klíče, pro porovnání s centrálou:</translation>
    </message>
    <message>
        <source>Not enrolled</source>
        <translation>Nezaregistrováno</translation>
    </message>
    <message>
        <source>Device key fingerprint %1</source>
        <translation>Otisk klíče zařízení %1</translation>
    </message>
    <message>
        <source>Wipe this device</source>
        <translation>Vymazat toto zařízení</translation>
    </message>
    <message>
        <source>Erases the vault for good: contacts, cases, instructions, schedule and reports. HQ has to enrol this device again. Type your passphrase to confirm.</source>
        <translation>Trvale vymaže trezor: kontakty, případy, pokyny, program a hlášení. Centrála pak musí zařízení znovu zaregistrovat. Pro potvrzení zadejte heslovou frázi.</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>Heslová fráze</translation>
    </message>
    <message>
        <source>Passphrase to confirm the wipe</source>
        <translation>Heslová fráze pro potvrzení vymazání</translation>
    </message>
    <message>
        <source>Wipe this device now</source>
        <translation>Vymazat toto zařízení nyní</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Jazyk</translation>
    </message>
    <message>
        <source>System</source>
        <translation>Podle systému</translation>
    </message>
    <message>
        <source>Language: %1</source>
        <translation>Jazyk: %1</translation>
    </message>
    <message>
        <source>Home time</source>
        <translation>Domácí čas</translation>
    </message>
    <message>
        <source>The schedule shows each time in this zone too, where it differs from the venue&apos;s.</source>
        <translation>Program ukazuje každý čas i v tomto pásmu, pokud se liší od pásma místa konání.</translation>
    </message>
    <message>
        <source>Home time zone: %1</source>
        <translation>Domácí časové pásmo: %1</translation>
    </message>
    <message>
        <source>Quick unlock</source>
        <translation>Rychlé odemknutí</translation>
    </message>
    <message>
        <source>On: your fingerprint or face opens the vault for 12 h after each passphrase unlock, with 3 tries; then the passphrase is needed.</source>
        <translation>Zapnuto: otisk prstu nebo obličej otevře trezor po dobu 12 h od každého odemknutí heslem, na 3 pokusy; pak je potřeba heslo.</translation>
    </message>
    <message>
        <source>Open the vault with your fingerprint or face for 12 h after each passphrase unlock. Type your passphrase to turn it on.</source>
        <translation>Otevírejte trezor otiskem prstu nebo obličejem po dobu 12 h od každého odemknutí heslem. Zapnete to zadáním hesla.</translation>
    </message>
    <message>
        <source>Passphrase to turn on quick unlock</source>
        <translation>Heslo pro zapnutí rychlého odemknutí</translation>
    </message>
    <message>
        <source>Turn on quick unlock</source>
        <translation>Zapnout rychlé odemknutí</translation>
    </message>
    <message>
        <source>Turn off quick unlock</source>
        <translation>Vypnout rychlé odemknutí</translation>
    </message>
    <message>
        <source>Mobile data</source>
        <translation>Mobilní data</translation>
    </message>
    <message>
        <source>Defer bulk sync on metered networks</source>
        <translation>Odložit hromadnou synchronizaci v měřených sítích</translation>
    </message>
    <message>
        <source>On roaming or metered connections only urgent messages go through (instructions, schedule changes, check-ins, commands). Contacts, cases and other bulk wait for an unmetered network.</source>
        <translation>Při roamingu nebo v měřeném připojení projdou jen naléhavé zprávy (pokyny, změny programu, ohlášení příchodu, příkazy). Kontakty, případy a další hromadná data počkají na neměřenou síť.</translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message>
        <source>Syncing %1 of %2</source>
        <translation>Synchronizace %1 z %2</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>Cannot reach the relay</source>
        <translation>Přenosový server je nedostupný</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nikdy</translation>
    </message>
    <message>
        <source>Synced</source>
        <translation>Synchronizováno</translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation>Připojování</translation>
    </message>
    <message>
        <source>The last attempt failed (%1); it is retried by itself.</source>
        <translation>Poslední pokus selhal (%1); zopakuje se sám.</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>Synchronizovat nyní</translation>
    </message>
    <message>
        <source>&lt;b&gt;No word from HQ since %1.&lt;/b&gt; Records on this device may be out of date.</source>
        <translation>&lt;b&gt;Od %1 žádná zpráva z centrály.&lt;/b&gt; Záznamy v zařízení mohou být zastaralé.</translation>
    </message>
    <message>
        <source>Changes waiting to be sent</source>
        <translation>Změny čekající na odeslání</translation>
    </message>
    <message>
        <source>None</source>
        <translation>Žádné</translation>
    </message>
    <message>
        <source>Last synced</source>
        <translation>Poslední synchronizace</translation>
    </message>
    <message>
        <source>Last verified word from HQ</source>
        <translation>Poslední ověřená zpráva z centrály</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Zařízení</translation>
    </message>
    <message>
        <source>Not enrolled</source>
        <translation>Nezaregistrováno</translation>
    </message>
    <message>
        <source>Relay</source>
        <translation>Přenosový server</translation>
    </message>
    <message>
        <source>Auto-lock</source>
        <translation>Automatické zamykání</translation>
    </message>
    <message>
        <source>after %1 s in the background</source>
        <translation>po %1 s na pozadí</translation>
    </message>
    <message>
        <source>Key store</source>
        <translation>Úložiště klíčů</translation>
    </message>
    <message>
        <source>Refused by HQ or not delivered</source>
        <translation>Odmítnuto centrálou nebo nedoručeno</translation>
    </message>
    <message>
        <source> (HQ has %1)</source>
        <translation> (centrála má %1)</translation>
    </message>
    <message>
        <source>Alarms</source>
        <translation>Bezpečnostní upozornění</translation>
    </message>
    <message>
        <source>No alarms.</source>
        <translation>Žádná upozornění.</translation>
    </message>
    <message>
        <source>&lt;b&gt;No verified word from HQ yet.&lt;/b&gt; Records on this device may be out of date.</source>
        <translation>&lt;b&gt;Z centrály zatím nepřišla žádná ověřená zpráva.&lt;/b&gt; Záznamy v zařízení mohou být zastaralé.</translation>
    </message>
    <message>
        <source>Bulk sync is deferred on this metered network: contacts and cases wait for an unmetered one. Urgent messages still go through.</source>
        <translation>Hromadná synchronizace je v této měřené síti odložena: kontakty a případy počkají na neměřenou síť. Naléhavé zprávy procházejí dál.</translation>
    </message>
    <message>
        <source>Changes not sent yet: %1.</source>
        <translation>Dosud neodeslané změny: %1.</translation>
    </message>
</context>
<context>
    <name>UnlockPage</name>
    <message>
        <source>International police cooperation</source>
        <translation>Mezinárodní policejní spolupráce</translation>
    </message>
    <message>
        <source>Emergency call: HQ 24/7 duty
%1</source>
        <translation>Tísňové volání: stálá služba centrály
%1</translation>
    </message>
    <message>
        <source>Call the HQ 24/7 duty number %1 without unlocking</source>
        <translation>Volat stálou službu centrály %1 bez odemčení</translation>
    </message>
    <message>
        <source>Calls without unlocking. Nothing else of the vault is shown here.</source>
        <translation>Volá bez odemčení. Nic jiného z trezoru se zde nezobrazuje.</translation>
    </message>
    <message>
        <source>Vault locked</source>
        <translation>Trezor je zamčený</translation>
    </message>
    <message>
        <source>Enter your passphrase to open the contacts, cases, instructions and schedule on this device.</source>
        <translation>Zadejte heslovou frázi a otevřete kontakty, případy, pokyny a program v tomto zařízení.</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>Heslová fráze</translation>
    </message>
    <message>
        <source>Show passphrase</source>
        <translation>Zobrazit heslovou frázi</translation>
    </message>
    <message>
        <source>Show the passphrase while typing</source>
        <translation>Zobrazovat heslovou frázi při psaní</translation>
    </message>
    <message>
        <source>%1 failed attempt(s). The vault erases itself after %2 more.</source>
        <translation>Neúspěšné pokusy: %1. Po dalších %2 se trezor sám vymaže.</translation>
    </message>
    <message>
        <source>%1 failed attempt(s).</source>
        <translation>Neúspěšné pokusy: %1.</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Odemknout</translation>
    </message>
    <message>
        <source>Create your vault</source>
        <translation>Založení trezoru</translation>
    </message>
    <message>
        <source>Choose a passphrase of at least five words or twelve characters. It protects everything Liaison keeps on this device. Nobody, HQ included, can recover it.</source>
        <translation>Zvolte heslovou frázi alespoň z pěti slov nebo dvanácti znaků. Chrání vše, co Liaison v tomto zařízení uchovává. Nikdo, ani centrála, ji nedokáže obnovit.</translation>
    </message>
    <message>
        <source>New passphrase</source>
        <translation>Nová heslová fráze</translation>
    </message>
    <message>
        <source>Repeat the passphrase</source>
        <translation>Zopakujte heslovou frázi</translation>
    </message>
    <message>
        <source>Create vault</source>
        <translation>Založit trezor</translation>
    </message>
    <message>
        <source>Deriving the vault key. This takes about a second.</source>
        <translation>Odvozuje se klíč trezoru. Trvá to asi sekundu.</translation>
    </message>
    <message>
        <source>Locked out</source>
        <translation>Dočasně zablokováno</translation>
    </message>
    <message>
        <source>Too many wrong passphrases. You can try again when the countdown ends. Changing the device clock does not shorten it.</source>
        <translation>Příliš mnoho chybných heslových frází. Další pokus je možný po uplynutí odpočtu. Změna času v zařízení ho nezkrátí.</translation>
    </message>
    <message>
        <source>%1 failed attempts. After %2 more the vault erases itself and HQ has to enrol this device again.</source>
        <translation>Neúspěšné pokusy: %1. Po dalších %2 se trezor sám vymaže a centrála musí zařízení znovu zaregistrovat.</translation>
    </message>
    <message>
        <source>Vault erased</source>
        <translation>Trezor vymazán</translation>
    </message>
    <message>
        <source>Vault unavailable</source>
        <translation>Trezor je nedostupný</translation>
    </message>
    <message>
        <source>Weaker protection on this device: it has no secure key store, so the vault key is kept in a file and only your passphrase protects it. Anyone with a copy of this device&apos;s files can try passphrases without limit.</source>
        <translation>Slabší ochrana v tomto zařízení: nemá bezpečné úložiště klíčů, proto je klíč k trezoru uložen v souboru a chrání ho jen vaše heslová fráze. Kdo získá kopii souborů tohoto zařízení, může heslové fráze zkoušet bez omezení.</translation>
    </message>
    <message>
        <source>Quick unlock</source>
        <translation>Rychlé odemknutí</translation>
    </message>
    <message>
        <source>Unlock with your fingerprint or face</source>
        <translation>Odemknout otiskem prstu nebo obličejem</translation>
    </message>
</context>
<context>
    <name>liaison::app::AppController</name>
    <message>
        <source>The records could not be opened: %1</source>
        <translation>Záznamy nelze otevřít: %1</translation>
    </message>
    <message>
        <source>Device %1
Key %2</source>
        <translation>Zařízení %1
Klíč %2</translation>
    </message>
    <message>
        <source>No relay address in this device&apos;s profile: nothing syncs. HQ sets it at enrolment.</source>
        <translation>Profil zařízení neobsahuje adresu přenosového serveru: nic se nesynchronizuje. Centrála ji nastavuje při registraci.</translation>
    </message>
    <message>
        <source>The relay address in this device&apos;s profile is refused: %1</source>
        <translation>Adresa přenosového serveru v profilu zařízení je odmítnuta: %1</translation>
    </message>
    <message>
        <source>The device&apos;s streams could not be opened.</source>
        <translation>Datové toky zařízení nelze otevřít.</translation>
    </message>
</context>
<context>
    <name>liaison::app::CaseModel</name>
    <message>
        <source>Bilateral</source>
        <translation>Bilaterální</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Otevřený</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Aktivní</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>Čeká</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Uzavřený</translation>
    </message>
    <message>
        <source>Urgent</source>
        <translation>Naléhavá</translation>
    </message>
    <message>
        <source>High</source>
        <translation>Vysoká</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>Běžná</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>Nízká</translation>
    </message>
    <message>
        <source>updated %1</source>
        <translation>aktualizováno %1</translation>
    </message>
</context>
<context>
    <name>liaison::app::ContactModel</name>
    <message>
        <source>No country</source>
        <translation>Bez státu</translation>
    </message>
    <message>
        <source>No organisation</source>
        <translation>Bez organizace</translation>
    </message>
    <message>
        <source>same time as you</source>
        <translation>stejný čas jako u vás</translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation>%1 h</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>%1 ahead of you</source>
        <translation>o %1 napřed oproti vám</translation>
    </message>
    <message>
        <source>%1 behind you</source>
        <translation>o %1 pozadu oproti vám</translation>
    </message>
    <message>
        <source>verified %1</source>
        <translation>ověřeno %1</translation>
    </message>
    <message>
        <source>never verified</source>
        <translation>nikdy neověřeno</translation>
    </message>
</context>
<context>
    <name>liaison::app::EnrolController</name>
    <message>
        <source>No QR code could be read in this picture. Hold the camera steady over the whole code, or type the code instead.</source>
        <translation>Na obrázku se nepodařilo přečíst QR kód. Držte fotoaparát klidně nad celým kódem, nebo kód opište.</translation>
    </message>
    <message>
        <source>This file is not a picture the app can read.</source>
        <translation>Tento soubor není obrázek, který aplikace umí přečíst.</translation>
    </message>
    <message>
        <source>No QR code could be read in the copied picture.</source>
        <translation>Ve zkopírovaném obrázku se nepodařilo přečíst QR kód.</translation>
    </message>
    <message>
        <source>This device already holds a vault. Enrolment makes a new one: wipe this device first (Settings).</source>
        <translation>V zařízení už trezor je. Registrace zakládá nový: nejprve zařízení vymažte (Nastavení).</translation>
    </message>
    <message>
        <source>Type, paste or scan the enrolment code HQ gave you.</source>
        <translation>Opište, vložte nebo naskenujte registrační kód od centrály.</translation>
    </message>
    <message>
        <source>The two passphrases differ. Type the same passphrase twice.</source>
        <translation>Heslové fráze se liší. Zadejte dvakrát stejnou.</translation>
    </message>
    <message>
        <source>Checking the code with HQ&apos;s relay and creating your vault…</source>
        <translation>Ověřuje se kód u přenosového serveru centrály a zakládá se trezor…</translation>
    </message>
    <message>
        <source>Waiting for HQ. The desk will call you and ask for this number.</source>
        <translation>Čeká se na centrálu. Pracoviště vám zavolá a požádá o toto číslo.</translation>
    </message>
    <message>
        <source>This is not a complete enrolment code: a character is missing or mistyped. Compare it with HQ&apos;s printout, or scan the QR code.</source>
        <translation>Toto není úplný registrační kód: nějaký znak chybí nebo je opsán špatně. Porovnejte ho s výtiskem od centrály, nebo naskenujte QR kód.</translation>
    </message>
    <message>
        <source>HQ did not confirm before the code expired. Ask HQ for a new code.</source>
        <translation>Centrála registraci nepotvrdila před vypršením kódu. Požádejte centrálu o nový kód.</translation>
    </message>
    <message>
        <source>This enrolment code has expired. Ask HQ for a new code.</source>
        <translation>Platnost registračního kódu vypršela. Požádejte centrálu o nový kód.</translation>
    </message>
    <message>
        <source>HQ refused this enrolment. Nothing was kept on this device. Call the desk before you try again.</source>
        <translation>Centrála registraci odmítla. V zařízení nic nezůstalo. Než to zkusíte znovu, zavolejte na pracoviště.</translation>
    </message>
    <message>
        <source>This enrolment code has already been used, or HQ withdrew it. Ask HQ for a new code.</source>
        <translation>Tento registrační kód už byl použit, nebo ho centrála zrušila. Požádejte centrálu o nový kód.</translation>
    </message>
    <message>
        <source>HQ&apos;s relay does not answer. Check that the phone is online, then try again.</source>
        <translation>Přenosový server centrály neodpovídá. Zkontrolujte připojení telefonu a zkuste to znovu.</translation>
    </message>
    <message>
        <source>HQ has not confirmed yet. Try again later with the same code.</source>
        <translation>Centrála zatím nepotvrdila. Zkuste to později se stejným kódem.</translation>
    </message>
    <message>
        <source>Enrolment failed: %1</source>
        <translation>Registrace selhala: %1</translation>
    </message>
    <message>
        <source>HQ confirmed this device, but its vault could not be opened here. Restart the app and unlock it with your passphrase.</source>
        <translation>Centrála zařízení potvrdila, ale jeho trezor se zde nepodařilo otevřít. Restartujte aplikaci a odemkněte ho heslovou frází.</translation>
    </message>
</context>
<context>
    <name>liaison::app::InstructionController</name>
    <message>
        <source>The vault is locked.</source>
        <translation>Trezor je zamčený.</translation>
    </message>
    <message>
        <source>Unknown instruction.</source>
        <translation>Neznámý pokyn.</translation>
    </message>
    <message>
        <source>This instruction is no longer on this device.</source>
        <translation>Tento pokyn už v zařízení není.</translation>
    </message>
    <message>
        <source>The acknowledgement could not be stored: %1</source>
        <translation>Potvrzení nelze uložit: %1</translation>
    </message>
</context>
<context>
    <name>liaison::app::InstructionModel</name>
    <message>
        <source>issued %1</source>
        <translation>vydáno %1</translation>
    </message>
    <message>
        <source>issued by %1</source>
        <translation>vydal(a) %1</translation>
    </message>
    <message>
        <source>issued by %1, %2</source>
        <translation>vydal(a) %1, %2</translation>
    </message>
    <message>
        <source>expired %1</source>
        <translation>platnost skončila %1</translation>
    </message>
    <message>
        <source>valid from %1</source>
        <translation>platí od %1</translation>
    </message>
    <message>
        <source>valid until %1</source>
        <translation>platí do %1</translation>
    </message>
    <message>
        <source>valid until withdrawn</source>
        <translation>platí do odvolání</translation>
    </message>
    <message>
        <source>Urgent</source>
        <translation>Naléhavá</translation>
    </message>
    <message>
        <source>High</source>
        <translation>Vysoká</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>Běžná</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>Nízká</translation>
    </message>
    <message>
        <source>acknowledged %1</source>
        <translation>potvrzeno %1</translation>
    </message>
</context>
<context>
    <name>liaison::app::Notifier</name>
    <message>
        <source>New instruction from HQ</source>
        <translation>Nový pokyn z centrály</translation>
    </message>
    <message>
        <source>New instructions from HQ: %1</source>
        <translation>Nové pokyny z centrály: %1</translation>
    </message>
    <message>
        <source>A visit item changed</source>
        <translation>Bod programu návštěvy se změnil</translation>
    </message>
    <message>
        <source>Visit items changed: %1</source>
        <translation>Změněné body programu: %1</translation>
    </message>
    <message>
        <source>A visit item was cancelled</source>
        <translation>Bod programu návštěvy byl zrušen</translation>
    </message>
    <message>
        <source>Visit items cancelled: %1</source>
        <translation>Zrušené body programu: %1</translation>
    </message>
    <message>
        <source>HQ refused a change from this device</source>
        <translation>Centrála odmítla změnu z tohoto zařízení</translation>
    </message>
    <message>
        <source>Changes HQ refused: %1</source>
        <translation>Změny odmítnuté centrálou: %1</translation>
    </message>
</context>
<context>
    <name>liaison::app::QrFrameReader</name>
    <message>
        <source>This QR code is not an enrolment code from HQ. Point the camera at the code HQ printed for this device.</source>
        <translation>Tento QR kód není registrační kód od centrály. Namiřte fotoaparát na kód, který centrála pro toto zařízení vytiskla.</translation>
    </message>
</context>
<context>
    <name>liaison::app::ReportController</name>
    <message>
        <source>%1 s old</source>
        <translation>stáří %1 s</translation>
    </message>
    <message>
        <source>%1 min old</source>
        <translation>stáří %1 min</translation>
    </message>
    <message>
        <source>%1 h old</source>
        <translation>stáří %1 h</translation>
    </message>
    <message>
        <source>No position source on this device.</source>
        <translation>Zařízení nemá zdroj polohy.</translation>
    </message>
    <message>
        <source> (±%1 m)</source>
        <translation> (±%1 m)</translation>
    </message>
    <message>
        <source>No position: %1</source>
        <translation>Poloha není k dispozici: %1</translation>
    </message>
    <message>
        <source>Position off.</source>
        <translation>Poloha je vypnutá.</translation>
    </message>
    <message>
        <source>Waiting for a position fix (%1)…</source>
        <translation>Čeká se na určení polohy (%1)…</translation>
    </message>
    <message>
        <source>The vault is locked.</source>
        <translation>Trezor je zamčený.</translation>
    </message>
    <message>
        <source>The linked record is not on this device.</source>
        <translation>Připojený záznam v zařízení není.</translation>
    </message>
    <message>
        <source>No position fix yet: send without it, or wait for one.</source>
        <translation>Poloha zatím není určena: odešlete bez ní, nebo počkejte.</translation>
    </message>
    <message>
        <source>Write something first.</source>
        <translation>Nejprve něco napište.</translation>
    </message>
    <message>
        <source>The report could not be stored: %1</source>
        <translation>Hlášení nelze uložit: %1</translation>
    </message>
    <message>
        <source>Unknown visit item.</source>
        <translation>Neznámý bod programu.</translation>
    </message>
    <message>
        <source>The check-in could not be stored: %1</source>
        <translation>Ohlášení příchodu nelze uložit: %1</translation>
    </message>
    <message>
        <source>Checked in at %1 with a position %2. Waiting to send.</source>
        <translation>Příchod ohlášen v %1 s polohou (%2). Čeká na odeslání.</translation>
    </message>
    <message>
        <source>Checked in at %1 without a position. Waiting to send.</source>
        <translation>Příchod ohlášen v %1 bez polohy. Čeká na odeslání.</translation>
    </message>
    <message>
        <source>%1 %2 of you (bearing %3°)</source>
        <translation>%1 směrem %2 od vás (azimut %3°)</translation>
    </message>
</context>
<context>
    <name>liaison::app::ReportModel</name>
    <message>
        <source>Check-in</source>
        <translation>Ohlášení příchodu</translation>
    </message>
    <message>
        <source>Check-in: %1</source>
        <translation>Ohlášení příchodu: %1</translation>
    </message>
    <message>
        <source>%1, fix %2 s old</source>
        <translation>%1, stáří polohy %2 s</translation>
    </message>
    <message>
        <source>Sent to HQ</source>
        <translation>Odesláno centrále</translation>
    </message>
    <message>
        <source>Waiting to send</source>
        <translation>Čeká na odeslání</translation>
    </message>
</context>
<context>
    <name>liaison::app::ScheduleModel</name>
    <message>
        <source>Confirmed</source>
        <translation>Potvrzeno</translation>
    </message>
    <message>
        <source>Changed</source>
        <translation>Změněno</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Zrušeno</translation>
    </message>
    <message>
        <source>Unconfirmed</source>
        <translation>Nepotvrzeno</translation>
    </message>
    <message>
        <source>Date to be set</source>
        <translation>Datum bude upřesněno</translation>
    </message>
    <message>
        <source>Home time: %1</source>
        <translation>Domácí čas: %1</translation>
    </message>
</context>
<context>
    <name>liaison::app::SyncStatusFacade</name>
    <message>
        <source>Not sent: HQ closed the scope before it went out</source>
        <translation>Neodesláno: centrála oblast uzavřela dříve, než odešlo</translation>
    </message>
    <message>
        <source>HQ refused it: this device&apos;s clock is ahead of HQ&apos;s</source>
        <translation>Centrála odmítla: hodiny zařízení předbíhají čas centrály</translation>
    </message>
    <message>
        <source>Sent again, re-stamped, once HQ&apos;s time is known</source>
        <translation>Odešle se znovu s novým časovým razítkem, jakmile bude znám čas centrály</translation>
    </message>
    <message>
        <source>Not delivered: tell HQ by other means</source>
        <translation>Nedoručeno: informujte centrálu jinou cestou</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>Zamčeno</translation>
    </message>
    <message>
        <source>This device is not enrolled with HQ yet.</source>
        <translation>Zařízení zatím není u centrály zaregistrováno.</translation>
    </message>
    <message>
        <source>No sync engine runs.</source>
        <translation>Synchronizace neběží.</translation>
    </message>
    <message>
        <source>The network is unreachable. Changes wait on this device and go out when it is back.</source>
        <translation>Síť je nedostupná. Změny počkají v zařízení a odejdou, až bude síť zpět.</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nikdy</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>Syncing</source>
        <translation>Synchronizuje se</translation>
    </message>
    <message>
        <source>Sync failed, retrying</source>
        <translation>Synchronizace selhala, opakuje se</translation>
    </message>
    <message>
        <source>Synced %1</source>
        <translation>Synchronizováno %1</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>Online</translation>
    </message>
    <message>
        <source> · %1 pending</source>
        <translation> · čeká %1</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>Kontakt</translation>
    </message>
    <message>
        <source>Case</source>
        <translation>Případ</translation>
    </message>
    <message>
        <source>Instruction</source>
        <translation>Pokyn</translation>
    </message>
    <message>
        <source>Schedule item</source>
        <translation>Bod programu</translation>
    </message>
    <message>
        <source>Acknowledgement</source>
        <translation>Potvrzení</translation>
    </message>
    <message>
        <source>Field report</source>
        <translation>Hlášení</translation>
    </message>
    <message>
        <source>Check-in</source>
        <translation>Ohlášení příchodu</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>Záznam</translation>
    </message>
    <message>
        <source>HQ refused it: only HQ may change this kind of record</source>
        <translation>Centrála odmítla: tento druh záznamu smí měnit jen centrála</translation>
    </message>
    <message>
        <source>HQ refused it: the record belongs to someone else</source>
        <translation>Centrála odmítla: záznam patří někomu jinému</translation>
    </message>
    <message>
        <source>HQ refused it: this device no longer holds that record&apos;s group</source>
        <translation>Centrála odmítla: zařízení už nemá skupinu tohoto záznamu</translation>
    </message>
    <message>
        <source>HQ refused it: the record was deleted at HQ</source>
        <translation>Centrála odmítla: záznam byl v centrále smazán</translation>
    </message>
    <message>
        <source>HQ refused it: too many changes from this device at once</source>
        <translation>Centrála odmítla: příliš mnoho změn z tohoto zařízení najednou</translation>
    </message>
    <message>
        <source>HQ kept the record you deleted</source>
        <translation>Centrála ponechala záznam, který jste smazali</translation>
    </message>
    <message>
        <source>HQ refused it: it did not pass HQ&apos;s checks</source>
        <translation>Centrála odmítla: neprošlo kontrolami centrály</translation>
    </message>
    <message>
        <source>%1, held %2</source>
        <translation>%1, zadrženo %2</translation>
    </message>
    <message>
        <source>%1 “%2”, held %3</source>
        <translation>%1 „%2“, zadrženo %3</translation>
    </message>
    <message>
        <source>Syncing %1 of %2</source>
        <translation>Synchronizuje se %1 z %2</translation>
    </message>
</context>
<context>
    <name>liaison::app::VaultController</name>
    <message>
        <source>Too weak</source>
        <translation>Příliš slabá</translation>
    </message>
    <message>
        <source>Acceptable</source>
        <translation>Přijatelná</translation>
    </message>
    <message>
        <source>Strong</source>
        <translation>Silná</translation>
    </message>
    <message>
        <source>The two passphrases differ. Type the same passphrase twice.</source>
        <translation>Heslové fráze se liší. Zadejte dvakrát stejnou.</translation>
    </message>
    <message>
        <source>Enter your passphrase.</source>
        <translation>Zadejte heslovou frázi.</translation>
    </message>
    <message>
        <source>The two new passphrases differ. Type the same passphrase twice.</source>
        <translation>Nové heslové fráze se liší. Zadejte dvakrát stejnou.</translation>
    </message>
    <message>
        <source>Passphrase changed.</source>
        <translation>Heslová fráze byla změněna.</translation>
    </message>
    <message>
        <source>The current passphrase is wrong. Nothing changed.</source>
        <translation>Současná heslová fráze je chybná. Nic se nezměnilo.</translation>
    </message>
    <message>
        <source>Wrong passphrase: nothing was erased.</source>
        <translation>Chybná heslová fráze: nic nebylo vymazáno.</translation>
    </message>
    <message>
        <source>This device was wiped: nothing of the vault is left. HQ has to enrol it again.</source>
        <translation>Zařízení bylo vymazáno: z trezoru nic nezůstalo. Centrála ho musí znovu zaregistrovat.</translation>
    </message>
    <message>
        <source>HQ erased this device&apos;s vault remotely: its records and keys are gone. Contact HQ to enrol the device again.</source>
        <translation>Centrála trezor tohoto zařízení na dálku vymazala: záznamy i klíče jsou pryč. Kvůli nové registraci se obraťte na centrálu.</translation>
    </message>
    <message>
        <source>HQ ordered this device&apos;s vault erased, but not everything could be destroyed (%1). Do not use this device; contact HQ.</source>
        <translation>Centrála nařídila vymazání trezoru, ale nepodařilo se zničit vše (%1). Zařízení nepoužívejte a obraťte se na centrálu.</translation>
    </message>
    <message>
        <source>Wrong passphrase.</source>
        <translation>Chybná heslová fráze.</translation>
    </message>
    <message>
        <source>Too many wrong passphrases. Wait until the countdown ends.</source>
        <translation>Příliš mnoho chybných heslových frází. Počkejte, až odpočet skončí.</translation>
    </message>
    <message>
        <source>This device&apos;s vault has been erased. Contact HQ to enrol the device again.</source>
        <translation>Trezor tohoto zařízení byl vymazán. Kvůli nové registraci se obraťte na centrálu.</translation>
    </message>
    <message>
        <source>The key file is damaged. The vault cannot be opened on this device.</source>
        <translation>Soubor s klíčem je poškozený. Trezor v tomto zařízení nelze otevřít.</translation>
    </message>
    <message>
        <source>The vault was changed outside Liaison or is corrupt. Report this to HQ.</source>
        <translation>Trezor byl změněn mimo Liaison nebo je poškozený. Oznamte to centrále.</translation>
    </message>
    <message>
        <source>The vault could not be read or written (storage full or not accessible).</source>
        <translation>Trezor nelze číst ani zapisovat (úložiště je plné nebo nepřístupné).</translation>
    </message>
    <message>
        <source>A vault already exists on this device.</source>
        <translation>V tomto zařízení už trezor existuje.</translation>
    </message>
    <message>
        <source>The vault could not be opened (%1).</source>
        <translation>Trezor nelze otevřít (%1).</translation>
    </message>
    <message>
        <source>Passphrase changed. Quick unlock is off: turn it on again in Settings.</source>
        <translation>Heslo bylo změněno. Rychlé odemknutí je vypnuto: znovu ho zapněte v Nastavení.</translation>
    </message>
    <message>
        <source>Wrong passphrase: quick unlock stays off.</source>
        <translation>Chybné heslo: rychlé odemknutí zůstává vypnuté.</translation>
    </message>
    <message>
        <source>Confirm to unlock Liaison this way from now on</source>
        <translation>Potvrďte, že chcete Liaison odteď odemykat tímto způsobem</translation>
    </message>
    <message>
        <source>Quick unlock is on for %1 h after each passphrase unlock.</source>
        <translation>Rychlé odemknutí je zapnuto na %1 h od každého odemknutí heslem.</translation>
    </message>
    <message>
        <source>Quick unlock was not turned on.</source>
        <translation>Rychlé odemknutí nebylo zapnuto.</translation>
    </message>
    <message>
        <source>Quick unlock is off.</source>
        <translation>Rychlé odemknutí je vypnuto.</translation>
    </message>
    <message>
        <source>Unlock the vault</source>
        <translation>Odemknout trezor</translation>
    </message>
    <message>
        <source>Not recognised. Enter your passphrase: quick unlock is off until then.</source>
        <translation>Nerozpoznáno. Zadejte heslo: do té doby je rychlé odemknutí vypnuto.</translation>
    </message>
    <message>
        <source>Not recognised. Try again or enter your passphrase.</source>
        <translation>Nerozpoznáno. Zkuste to znovu, nebo zadejte heslo.</translation>
    </message>
    <message>
        <source>The biometrics on this device changed. Enter your passphrase, then turn quick unlock on again in Settings.</source>
        <translation>Biometrické údaje v tomto zařízení se změnily. Zadejte heslo a pak znovu zapněte rychlé odemknutí v Nastavení.</translation>
    </message>
    <message>
        <source>Quick unlock is not available now. Enter your passphrase.</source>
        <translation>Rychlé odemknutí teď není k dispozici. Zadejte heslo.</translation>
    </message>
    <message>
        <source>Quick unlock has expired. Enter your passphrase.</source>
        <translation>Platnost rychlého odemknutí vypršela. Zadejte heslo.</translation>
    </message>
    <message>
        <source>Quick unlock did not open the vault. Enter your passphrase.</source>
        <translation>Rychlé odemknutí trezor neotevřelo. Zadejte heslo.</translation>
    </message>
</context>
<context>
    <name>liaison::platform::QtPositionSource</name>
    <message>
        <source>Liaison may not use this device&apos;s location. Allow it in the system settings to attach positions.</source>
        <translation>Liaison nesmí používat polohu tohoto zařízení. Povolte ji v nastavení systému, aby šlo připojovat polohu.</translation>
    </message>
    <message>
        <source>The position source stopped (location turned off or the receiver closed).</source>
        <translation>Zdroj polohy se zastavil (poloha je vypnutá nebo se přijímač zavřel).</translation>
    </message>
    <message>
        <source>The position source failed.</source>
        <translation>Zdroj polohy selhal.</translation>
    </message>
</context>
<context>
    <name>liaison::vault::Passphrase</name>
    <message>
        <source>Enter a passphrase.</source>
        <translation>Zadejte heslovou frázi.</translation>
    </message>
    <message>
        <source>Use at least 12 characters, or at least 5 words.</source>
        <translation>Použijte alespoň 12 znaků nebo alespoň 5 slov.</translation>
    </message>
    <message>
        <source>A number alone is not allowed; use words or a mix of characters.</source>
        <translation>Samotné číslo nestačí; použijte slova nebo směs znaků.</translation>
    </message>
    <message>
        <source>The passphrase contains characters that cannot be read.</source>
        <translation>Heslová fráze obsahuje znaky, které nelze přečíst.</translation>
    </message>
    <message>
        <source>It is built on a well-known password or phrase; choose your own words.</source>
        <translation>Vychází ze známého hesla nebo fráze; zvolte vlastní slova.</translation>
    </message>
    <message>
        <source>It repeats the same characters; avoid repetition.</source>
        <translation>Opakuje stále stejné znaky; vyhněte se opakování.</translation>
    </message>
    <message>
        <source>It is mostly a sequence like &quot;abcd&quot;, &quot;4321&quot; or a keyboard row.</source>
        <translation>Je to převážně řada jako „abcd“, „4321“ nebo řada kláves.</translation>
    </message>
    <message>
        <source>It is too easy to guess; add more unrelated words.</source>
        <translation>Je příliš snadné ji uhodnout; přidejte další nesouvisející slova.</translation>
    </message>
</context>
</TS>
