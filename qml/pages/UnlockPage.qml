// No `pragma ComponentBehavior: Bound` here: Qt 6.4's Loader and StackView refuse to instantiate
// bound components ("outside its creation context"); the inline components below need them.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Liaison

// Create the vault (first start), unlock it (passphrase, or quick unlock where offered), or wait
// out a lockout. Passphrases go from the field to the controller, which copies them into secret
// memory; the field is cleared right after.
// Below the form, whatever the vault's state: the emergency call to HQ's 24/7 duty number (kept
// outside the vault for this purpose), which dials without unlocking. Nothing else of the
// records is shown here. Where the vault key's store is the software file, a notice says that
// only the passphrase protects it.
Page {
    id: root

    required property VaultController vault
    // HQ's 24/7 duty number; empty until the first sync brought one.
    property string dutyNumber: ""

    signal emergencyCallRequested()

    readonly property int vaultState: root.vault.state

    objectName: "unlockPage"
    background: Rectangle { color: Theme.background }

    Rectangle {
        id: banner
        anchors { left: parent.left; right: parent.right; top: parent.top }
        height: Math.max(180, root.height * 0.26)
        color: Theme.primary

        ColumnLayout {
            anchors.centerIn: parent
            spacing: 4
            Label {
                Layout.alignment: Qt.AlignHCenter
                text: "LIAISON"
                color: Theme.textOnPrimary
                font.pixelSize: 30
                font.letterSpacing: 6
                font.weight: Font.DemiBold
            }
            Label {
                Layout.alignment: Qt.AlignHCenter
                text: qsTr("International police cooperation")
                color: Theme.textOnPrimaryMuted
                font.pixelSize: Theme.fontSizeSmall
            }
        }
    }

    Flickable {
        anchors { left: parent.left; right: parent.right; top: banner.bottom; bottom: parent.bottom }
        contentHeight: column.implicitHeight + 2 * Theme.margin
        clip: true

        ColumnLayout {
            id: column
            width: Math.min(parent.width - 2 * Theme.margin, 520)
            x: (parent.width - width) / 2
            y: Theme.margin
            spacing: Theme.margin

            Pane {
                Layout.fillWidth: true
                Material.elevation: 2
                Material.background: Theme.surface
                padding: 20

                Loader {
                    width: parent.width
                    sourceComponent: {
                        switch (root.vaultState) {
                        case VaultController.NoVault: return createForm
                        case VaultController.Working: return working
                        case VaultController.LockedOut: return lockedOut
                        case VaultController.Erased:
                        case VaultController.Failed: return failed
                        default: return unlockForm
                        }
                    }
                }
            }

            // The vault key's store (issue 12): where it is the software file, only the
            // passphrase stands between a copy of the device's files and the records.
            Label {
                objectName: "weakKeyStoreNotice"
                Layout.fillWidth: true
                visible: root.vault.keyStoreWeak && root.vaultState !== VaultController.Erased
                         && root.vaultState !== VaultController.Failed
                wrapMode: Text.WordWrap
                color: Theme.warning
                font.pixelSize: Theme.fontSizeSmall
                text: qsTr("Weaker protection on this device: it has no secure key store, so the vault key is kept in a file and only your passphrase protects it. Anyone with a copy of this device's files can try passphrases without limit.")
            }

            Button {
                id: emergencyButton
                objectName: "emergencyCallButton"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touchTarget + 28
                visible: root.dutyNumber.length > 0
                text: qsTr("Emergency call: HQ 24/7 duty\n%1").arg(root.dutyNumber)
                // Two lines: the Material label would elide the number away.
                contentItem: Label {
                    text: emergencyButton.text
                    font: emergencyButton.font
                    color: Theme.textOnPrimary
                    horizontalAlignment: Text.AlignHCenter
                    verticalAlignment: Text.AlignVCenter
                    wrapMode: Text.WordWrap
                }
                Accessible.name: qsTr("Call the HQ 24/7 duty number %1 without unlocking").arg(root.dutyNumber)
                font.capitalization: Font.MixedCase
                Material.background: Theme.danger
                Material.foreground: Theme.textOnPrimary
                onClicked: root.emergencyCallRequested()
            }
            Label {
                Layout.fillWidth: true
                visible: root.dutyNumber.length > 0
                wrapMode: Text.WordWrap
                horizontalAlignment: Text.AlignHCenter
                color: Theme.textSecondary
                font.pixelSize: Theme.fontSizeSmall
                text: qsTr("Calls without unlocking. Nothing else of the vault is shown here.")
            }
        }
    }

    Component {
        id: unlockForm
        ColumnLayout {
            spacing: 12
            Label {
                text: qsTr("Vault locked")
                font.pixelSize: Theme.fontSizeHeadline
                font.weight: Font.DemiBold
            }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                color: Theme.textSecondary
                text: qsTr("Enter your passphrase to open the contacts, cases, instructions and schedule on this device.")
            }
            TextField {
                id: passphrase
                objectName: "unlockPassphraseField"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touchTarget + 8
                placeholderText: qsTr("Passphrase")
                echoMode: showUnlockPassphrase.checked ? TextInput.Normal : TextInput.Password
                inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
                Accessible.name: qsTr("Passphrase")
                focus: true
                onAccepted: unlockButton.clicked()
            }
            CheckBox {
                id: showUnlockPassphrase
                objectName: "showUnlockPassphrase"
                text: qsTr("Show passphrase")
                Accessible.name: qsTr("Show the passphrase while typing")
            }
            Label {
                objectName: "unlockMessage"
                Layout.fillWidth: true
                visible: text.length > 0
                wrapMode: Text.WordWrap
                color: Theme.danger
                text: root.vault.message
            }
            Label {
                Layout.fillWidth: true
                visible: root.vault.failureCount > 0
                wrapMode: Text.WordWrap
                color: Theme.warning
                font.pixelSize: Theme.fontSizeSmall
                text: root.vault.attemptsBeforeErase >= 0
                      ? qsTr("%1 failed attempt(s). The vault erases itself after %2 more.")
                        .arg(root.vault.failureCount).arg(root.vault.attemptsBeforeErase)
                      : qsTr("%1 failed attempt(s).").arg(root.vault.failureCount)
            }
            Button {
                id: unlockButton
                objectName: "unlockButton"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touchTarget + 4
                text: qsTr("Unlock")
                highlighted: true
                enabled: passphrase.length > 0
                onClicked: {
                    root.vault.unlock(passphrase.text)
                    passphrase.clear()
                }
            }
            // Quick unlock (platform/quickunlock.h): only where the platform has a biometric key
            // store, the officer turned it on, and the vault still allows it (window, failures).
            Button {
                objectName: "quickUnlockButton"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touchTarget + 4
                visible: root.vault.quickUnlockOffered
                text: qsTr("Quick unlock")
                Accessible.name: qsTr("Unlock with your fingerprint or face")
                onClicked: root.vault.quickUnlock()
            }
        }
    }

    Component {
        id: createForm
        ColumnLayout {
            spacing: 12
            Label {
                text: qsTr("Create your vault")
                font.pixelSize: Theme.fontSizeHeadline
                font.weight: Font.DemiBold
            }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                color: Theme.textSecondary
                text: qsTr("Choose a passphrase of at least five words or twelve characters. It protects everything Liaison keeps on this device. Nobody, HQ included, can recover it.")
            }
            TextField {
                id: first
                objectName: "newPassphraseField"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touchTarget + 8
                placeholderText: qsTr("New passphrase")
                echoMode: TextInput.Password
                inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
                focus: true
                onTextChanged: root.vault.assessPassphrase(text)
            }
            ProgressBar {
                objectName: "strengthMeter"
                Layout.fillWidth: true
                from: 0
                to: 1
                value: root.vault.passphraseStrength
                Material.accent: root.vault.passphraseAcceptable ? Theme.ok : Theme.danger
            }
            Label {
                Layout.fillWidth: true
                visible: first.length > 0
                wrapMode: Text.WordWrap
                font.pixelSize: Theme.fontSizeSmall
                color: root.vault.passphraseAcceptable ? Theme.ok : Theme.danger
                text: root.vault.passphraseVerdict
                      + (root.vault.passphraseReasons.length > 0
                         ? ": " + root.vault.passphraseReasons.join(" ") : "")
            }
            TextField {
                id: second
                objectName: "confirmPassphraseField"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touchTarget + 8
                placeholderText: qsTr("Repeat the passphrase")
                echoMode: TextInput.Password
                inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
                onAccepted: createButton.clicked()
            }
            Label {
                Layout.fillWidth: true
                visible: text.length > 0
                wrapMode: Text.WordWrap
                color: Theme.danger
                text: root.vault.message
            }
            Button {
                id: createButton
                objectName: "createButton"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touchTarget + 4
                text: qsTr("Create vault")
                highlighted: true
                enabled: root.vault.passphraseAcceptable && second.length > 0
                onClicked: {
                    root.vault.createVault(first.text, second.text)
                    first.clear()
                    second.clear()
                }
            }
        }
    }

    Component {
        id: working
        ColumnLayout {
            spacing: 16
            BusyIndicator {
                Layout.alignment: Qt.AlignHCenter
                running: true
            }
            Label {
                Layout.fillWidth: true
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.WordWrap
                color: Theme.textSecondary
                text: qsTr("Deriving the vault key. This takes about a second.")
            }
        }
    }

    Component {
        id: lockedOut
        ColumnLayout {
            objectName: "lockoutState"
            spacing: 12
            Label {
                text: qsTr("Locked out")
                font.pixelSize: Theme.fontSizeHeadline
                font.weight: Font.DemiBold
                color: Theme.danger
            }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                color: Theme.textSecondary
                text: qsTr("Too many wrong passphrases. You can try again when the countdown ends. Changing the device clock does not shorten it.")
            }
            Label {
                objectName: "lockoutCountdown"
                Layout.alignment: Qt.AlignHCenter
                Layout.topMargin: 8
                Layout.bottomMargin: 8
                text: root.vault.lockoutText
                font.pixelSize: 48
                font.weight: Font.Light
                color: Theme.textPrimary
            }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                color: Theme.warning
                font.pixelSize: Theme.fontSizeSmall
                visible: root.vault.attemptsBeforeErase >= 0
                text: qsTr("%1 failed attempts. After %2 more the vault erases itself and HQ has to enrol this device again.")
                      .arg(root.vault.failureCount).arg(root.vault.attemptsBeforeErase)
            }
        }
    }

    Component {
        id: failed
        ColumnLayout {
            spacing: 12
            Label {
                text: root.vaultState === VaultController.Erased ? qsTr("Vault erased") : qsTr("Vault unavailable")
                font.pixelSize: Theme.fontSizeHeadline
                font.weight: Font.DemiBold
                color: Theme.danger
            }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                text: root.vault.message
            }
        }
    }
}
