import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Liaison

// Settings: the auto-lock delay (never above HQ's ceiling), HQ's policy as it applies, the
// passphrase change, quick unlock (where the platform has it), bulk sync on metered links, this device's fingerprint, the language, the
// home time zone, and "wipe this device" (asks for the passphrase). Everything goes through the AppController and the VaultController.
Page {
    id: root

    required property AppController app
    readonly property VaultController vault: root.app.vault

    objectName: "settingsPage"
    title: qsTr("Settings")
    background: Rectangle { color: Theme.background }

    function minutesText(seconds: int): string {
        return seconds < 60 ? qsTr("%1 s").arg(seconds)
                            : qsTr("%1 min").arg(Math.round(seconds / 6) / 10)
    }

    Flickable {
        anchors.fill: parent
        contentHeight: column.implicitHeight + 2 * Theme.margin
        clip: true

        ColumnLayout {
            id: column
            width: Math.min(parent.width - 2 * Theme.margin, 640)
            x: (parent.width - width) / 2
            y: Theme.margin
            spacing: Theme.margin

            // ---- auto-lock and HQ's policy
            Pane {
                Layout.fillWidth: true
                Material.elevation: 1
                Material.background: Theme.surface
                padding: Theme.margin
                ColumnLayout {
                    width: parent.width
                    spacing: 8
                    SectionLabel { text: qsTr("Auto-lock") }
                    Label {
                        Layout.fillWidth: true
                        wrapMode: Text.WordWrap
                        color: Theme.textSecondary
                        text: qsTr("The vault locks after this time in the background. A call placed from the app does not lock it.")
                    }
                    Flow {
                        objectName: "autoLockChoices"
                        Layout.fillWidth: true
                        spacing: 8
                        Repeater {
                            model: root.app.autoLockChoices
                            delegate: RadioButton {
                                required property int modelData
                                objectName: "autoLock" + modelData
                                text: root.minutesText(modelData)
                                checked: root.app.autoLockSeconds === modelData
                                Accessible.name: qsTr("Lock after %1 in the background").arg(text)
                                onClicked: root.app.setAutoLockSeconds(modelData)
                            }
                        }
                    }
                    Label {
                        objectName: "policyText"
                        Layout.fillWidth: true
                        wrapMode: Text.WordWrap
                        font.pixelSize: Theme.fontSizeSmall
                        color: Theme.textSecondary
                        text: root.app.autoLockCeilingSeconds > 0
                              ? (root.app.policyEraseAfter > 0
                                 ? qsTr("HQ's policy: auto-lock after at most %1; the vault erases itself after %2 wrong passphrases (from the next unlock).")
                                   .arg(root.minutesText(root.app.autoLockCeilingSeconds)).arg(root.app.policyEraseAfter)
                                 : qsTr("HQ's policy: auto-lock after at most %1.")
                                   .arg(root.minutesText(root.app.autoLockCeilingSeconds)))
                              : qsTr("HQ has sent no policy yet.")
                    }
                }
            }

            // ---- passphrase
            Pane {
                Layout.fillWidth: true
                Material.elevation: 1
                Material.background: Theme.surface
                padding: Theme.margin
                ColumnLayout {
                    width: parent.width
                    spacing: 8
                    SectionLabel { text: qsTr("Change passphrase") }
                    TextField {
                        id: currentField
                        objectName: "currentPassphraseField"
                        Layout.fillWidth: true
                        placeholderText: qsTr("Current passphrase")
                        echoMode: showPassphrases.checked ? TextInput.Normal : TextInput.Password
                        inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
                        Accessible.name: qsTr("Current passphrase")
                    }
                    TextField {
                        id: nextField
                        objectName: "nextPassphraseField"
                        Layout.fillWidth: true
                        placeholderText: qsTr("New passphrase")
                        echoMode: showPassphrases.checked ? TextInput.Normal : TextInput.Password
                        inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
                        Accessible.name: qsTr("New passphrase")
                        onTextChanged: root.vault.assessPassphrase(text)
                    }
                    TextField {
                        id: repeatField
                        objectName: "repeatPassphraseField"
                        Layout.fillWidth: true
                        placeholderText: qsTr("New passphrase again")
                        echoMode: showPassphrases.checked ? TextInput.Normal : TextInput.Password
                        inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
                        Accessible.name: qsTr("Repeat the new passphrase")
                    }
                    Label {
                        Layout.fillWidth: true
                        visible: nextField.length > 0
                        wrapMode: Text.WordWrap
                        font.pixelSize: Theme.fontSizeSmall
                        color: root.vault.passphraseAcceptable ? Theme.ok : Theme.danger
                        text: root.vault.passphraseVerdict
                    }
                    RowLayout {
                        Layout.fillWidth: true
                        CheckBox {
                            id: showPassphrases
                            objectName: "showPassphrases"
                            text: qsTr("Show")
                            Accessible.name: qsTr("Show the passphrases")
                        }
                        Item { Layout.fillWidth: true }
                        Button {
                            objectName: "changePassphraseButton"
                            text: qsTr("Change")
                            Accessible.name: qsTr("Change the passphrase")
                            highlighted: true
                            enabled: currentField.length > 0 && nextField.length > 0 && repeatField.length > 0
                            onClicked: {
                                root.vault.changePassphrase(currentField.text, nextField.text, repeatField.text)
                                currentField.clear()
                                nextField.clear()
                                repeatField.clear()
                            }
                        }
                    }
                    Label {
                        objectName: "vaultMessage"
                        Layout.fillWidth: true
                        visible: text.length > 0
                        wrapMode: Text.WordWrap
                        text: root.vault.message
                    }
                }
            }

            // ---- quick unlock (only where the platform has a biometric key store)
            Pane {
                objectName: "quickUnlockPane"
                Layout.fillWidth: true
                visible: root.vault.quickUnlockAvailable
                Material.elevation: 1
                Material.background: Theme.surface
                padding: Theme.margin
                ColumnLayout {
                    width: parent.width
                    spacing: 8
                    SectionLabel { text: qsTr("Quick unlock") }
                    Label {
                        Layout.fillWidth: true
                        wrapMode: Text.WordWrap
                        color: Theme.textSecondary
                        text: root.vault.quickUnlockEnabled
                              ? qsTr("On: your fingerprint or face opens the vault for 12 h after each passphrase unlock, with 3 tries; then the passphrase is needed.")
                              : qsTr("Open the vault with your fingerprint or face for 12 h after each passphrase unlock. Type your passphrase to turn it on.")
                    }
                    TextField {
                        id: quickField
                        objectName: "quickUnlockPassphraseField"
                        Layout.fillWidth: true
                        visible: !root.vault.quickUnlockEnabled
                        placeholderText: qsTr("Passphrase")
                        echoMode: TextInput.Password
                        inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
                        Accessible.name: qsTr("Passphrase to turn on quick unlock")
                    }
                    Button {
                        objectName: "quickUnlockEnableButton"
                        Layout.fillWidth: true
                        visible: !root.vault.quickUnlockEnabled
                        enabled: quickField.length > 0
                        text: qsTr("Turn on quick unlock")
                        highlighted: true
                        onClicked: {
                            root.vault.enableQuickUnlock(quickField.text)
                            quickField.clear()
                        }
                    }
                    Button {
                        objectName: "quickUnlockDisableButton"
                        Layout.fillWidth: true
                        visible: root.vault.quickUnlockEnabled
                        text: qsTr("Turn off quick unlock")
                        onClicked: root.vault.disableQuickUnlock()
                    }
                }
            }

            // ---- sync on metered links (issue 11)
            Pane {
                Layout.fillWidth: true
                Material.elevation: 1
                Material.background: Theme.surface
                padding: Theme.margin
                ColumnLayout {
                    width: parent.width
                    spacing: 8
                    SectionLabel { text: qsTr("Mobile data") }
                    Switch {
                        objectName: "deferBulkSwitch"
                        Layout.fillWidth: true
                        text: qsTr("Defer bulk sync on metered networks")
                        checked: root.app.deferBulkOnMetered
                        Accessible.name: text
                        onToggled: root.app.deferBulkOnMetered = checked
                    }
                    Label {
                        Layout.fillWidth: true
                        wrapMode: Text.WordWrap
                        font.pixelSize: Theme.fontSizeSmall
                        color: Theme.textSecondary
                        text: qsTr("On roaming or metered connections only urgent messages go through (instructions, schedule changes, check-ins, commands). Contacts, cases and other bulk wait for an unmetered network.")
                    }
                }
            }

            // ---- this device
            Pane {
                Layout.fillWidth: true
                Material.elevation: 1
                Material.background: Theme.surface
                padding: Theme.margin
                ColumnLayout {
                    width: parent.width
                    spacing: 8
                    SectionLabel { text: qsTr("This device") }
                    Label {
                        Layout.fillWidth: true
                        wrapMode: Text.WordWrap
                        color: Theme.textSecondary
                        text: qsTr("Key fingerprint, for HQ to compare:")
                    }
                    Label {
                        objectName: "deviceFingerprint"
                        Layout.fillWidth: true
                        wrapMode: Text.WordWrap
                        font.family: "monospace"
                        text: root.app.deviceFingerprint.length > 0 ? root.app.deviceFingerprint : qsTr("Not enrolled")
                        Accessible.name: qsTr("Device key fingerprint %1").arg(text)
                    }
                }
            }

            // ---- language
            Pane {
                Layout.fillWidth: true
                Material.elevation: 1
                Material.background: Theme.surface
                padding: Theme.margin
                ColumnLayout {
                    width: parent.width
                    spacing: 8
                    SectionLabel { text: qsTr("Language") }
                    Flow {
                        Layout.fillWidth: true
                        spacing: 8
                        Repeater {
                            model: [{ code: "", name: qsTr("System") }, { code: "en", name: "English" }, { code: "cs", name: "Čeština" }]
                            delegate: RadioButton {
                                required property var modelData
                                objectName: "language_" + (modelData.code.length > 0 ? modelData.code : "system")
                                text: modelData.name
                                checked: root.app.language === modelData.code
                                Accessible.name: qsTr("Language: %1").arg(modelData.name)
                                onClicked: root.app.language = modelData.code
                            }
                        }
                    }
                }
            }

            // ---- home time zone
            Pane {
                Layout.fillWidth: true
                Material.elevation: 1
                Material.background: Theme.surface
                padding: Theme.margin
                ColumnLayout {
                    width: parent.width
                    spacing: 8
                    SectionLabel { text: qsTr("Home time") }
                    Label {
                        Layout.fillWidth: true
                        wrapMode: Text.WordWrap
                        color: Theme.textSecondary
                        text: qsTr("The schedule shows each time in this zone too, where it differs from the venue's.")
                    }
                    ComboBox {
                        objectName: "homeTimeZoneBox"
                        Layout.fillWidth: true
                        model: root.app.homeTimeZoneChoices
                        currentIndex: root.app.homeTimeZoneChoices.indexOf(root.app.homeTimeZone)
                        Accessible.name: qsTr("Home time zone: %1").arg(root.app.homeTimeZone)
                        onActivated: index => root.app.homeTimeZone = root.app.homeTimeZoneChoices[index]
                    }
                }
            }

            // ---- wipe
            Pane {
                Layout.fillWidth: true
                Material.elevation: 1
                Material.background: Theme.dangerBackground
                padding: Theme.margin
                ColumnLayout {
                    width: parent.width
                    spacing: 8
                    SectionLabel { text: qsTr("Wipe this device") }
                    Label {
                        Layout.fillWidth: true
                        wrapMode: Text.WordWrap
                        text: qsTr("Erases the vault for good: contacts, cases, instructions, schedule and reports. HQ has to enrol this device again. Type your passphrase to confirm.")
                    }
                    TextField {
                        id: wipeField
                        objectName: "wipePassphraseField"
                        Layout.fillWidth: true
                        placeholderText: qsTr("Passphrase")
                        echoMode: TextInput.Password
                        inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
                        Accessible.name: qsTr("Passphrase to confirm the wipe")
                    }
                    Button {
                        objectName: "wipeButton"
                        Layout.fillWidth: true
                        text: qsTr("Wipe this device")
                        Accessible.name: qsTr("Wipe this device now")
                        enabled: wipeField.length > 0
                        Material.background: Theme.danger
                        Material.foreground: Theme.textOnPrimary
                        onClicked: {
                            root.vault.wipeWithPassphrase(wipeField.text)
                            wipeField.clear()
                        }
                    }
                }
            }
        }
    }
}
