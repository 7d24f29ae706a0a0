// No `pragma ComponentBehavior: Bound` here: Qt 6.4's Loader refuses to instantiate bound
// components ("outside its creation context"); the inline components below need them.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Liaison

// First run: enrol this device with the code from HQ (typed, pasted, read from a picture of its
// QR code, or scanned with the camera where there is one), choose the vault's passphrase, read the safety number to the desk, wait for HQ.
// Everything goes through the EnrolController; the code and passphrase fields are cleared as soon
// as they were handed over.
Page {
    id: root

    required property EnrolController enrolment
    required property VaultController vault

    // "Set up without HQ": the local vault of the unlock page (demo, training).
    signal localSetupRequested()
    // The camera read a code (the form's field takes it).
    signal codeScanned(string code)

    // Whether the camera can scan the code: the scanner loaded (QtMultimedia is there) and the
    // device has a camera.
    readonly property bool canScan: scannerLoader.status === Loader.Ready && scannerLoader.item.hasCamera

    readonly property int enrolState: root.enrolment.state

    objectName: "enrolPage"
    background: Rectangle { color: Theme.background }

    // The camera's preview over the whole page while the officer scans.
    Popup {
        id: scanPopup
        objectName: "scanPopup"
        parent: Overlay.overlay
        x: 0
        y: 0
        width: parent ? parent.width : 0
        height: parent ? parent.height : 0
        padding: 0
        modal: true
        closePolicy: Popup.CloseOnEscape

        Loader {
            id: scannerLoader
            objectName: "scannerLoader"
            anchors.fill: parent
            active: false
            source: Qt.resolvedUrl("../components/CodeScanner.qml")
            onLoaded: item.running = Qt.binding(() => scanPopup.visible)
        }
        // Loaded once the page is up: the first frame of a first run does not wait for
        // QtMultimedia and the camera list.
        Timer {
            interval: 400
            running: true
            onTriggered: scannerLoader.active = true
        }
        Connections {
            target: scannerLoader.item
            function onFound(code) {
                root.codeScanned(code)
                scanPopup.close()
            }
            function onCancelled() { scanPopup.close() }
        }
        onClosed: if (scannerLoader.item) scannerLoader.item.reader.reset()
    }

    Rectangle {
        id: banner
        anchors { left: parent.left; right: parent.right; top: parent.top }
        height: Math.max(120, root.height * 0.16)
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
                text: qsTr("Enrol this device with HQ")
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
            width: Math.min(parent.width - 2 * Theme.margin, 560)
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
                        switch (root.enrolState) {
                        case EnrolController.Working: return working
                        case EnrolController.WaitingForHq: return waiting
                        case EnrolController.Confirmed: return working
                        default: return form
                        }
                    }
                }
            }
        }
    }

    Component {
        id: form
        ColumnLayout {
            spacing: 12

            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                text: qsTr("Enrolment code")
                font.pixelSize: Theme.fontSizeHeadline
                font.weight: Font.DemiBold
            }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                color: Theme.textSecondary
                text: qsTr("Type the code HQ gave you, paste it, or drop a picture of its QR code here. Spaces and line breaks do not matter.")
            }
            TextArea {
                id: codeField
                objectName: "enrolCodeField"
                Layout.fillWidth: true
                Layout.minimumHeight: Theme.touchTarget * 2
                wrapMode: TextEdit.WrapAnywhere
                placeholderText: qsTr("LIAISON1-…")
                font.family: "monospace"
                inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
                Accessible.name: qsTr("Enrolment code")

                Connections {
                    target: root
                    function onCodeScanned(code) { codeField.text = code }
                }

                DropArea {
                    anchors.fill: parent
                    onDropped: (drop) => {
                        if (drop.hasUrls && drop.urls.length > 0) {
                            const code = root.enrolment.codeFromImage(drop.urls[0].toString())
                            if (code.length > 0)
                                codeField.text = code
                        }
                    }
                }
            }
            Button {
                objectName: "pasteCodeButton"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touchTarget
                text: qsTr("Paste the code or its QR picture")
                Accessible.name: qsTr("Paste the enrolment code, or read it from a copied picture of the QR code")
                font.capitalization: Font.MixedCase
                flat: true
                onClicked: {
                    const code = root.enrolment.pasteFromClipboard()
                    if (code.length > 0)
                        codeField.text = code
                }
            }
            Button {
                objectName: "scanCodeButton"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touchTarget
                visible: root.canScan
                text: qsTr("Scan the QR code with the camera")
                Accessible.name: qsTr("Scan the enrolment code's QR code with the camera")
                font.capitalization: Font.MixedCase
                flat: true
                onClicked: scanPopup.open()
            }

            Label {
                Layout.fillWidth: true
                Layout.topMargin: 8
                wrapMode: Text.WordWrap
                text: qsTr("Your passphrase")
                font.pixelSize: Theme.fontSizeTitle
                font.weight: Font.DemiBold
            }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                color: Theme.textSecondary
                text: qsTr("At least five words or twelve characters. It opens the vault on this device. Nobody, HQ included, can recover it; after too many wrong tries the vault erases itself.")
            }
            TextField {
                id: first
                objectName: "enrolPassphraseField"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touchTarget + 8
                placeholderText: qsTr("New passphrase")
                echoMode: showPassphrase.checked ? TextInput.Normal : TextInput.Password
                inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
                Accessible.name: qsTr("New passphrase")
                onTextChanged: root.vault.assessPassphrase(text)
            }
            ProgressBar {
                objectName: "enrolStrengthMeter"
                Layout.fillWidth: true
                from: 0
                to: 1
                value: first.length > 0 ? root.vault.passphraseStrength : 0
                Material.accent: root.vault.passphraseAcceptable ? Theme.ok : Theme.danger
                Accessible.name: qsTr("Passphrase strength")
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
            RowLayout {
                Layout.fillWidth: true
                CheckBox {
                    id: showPassphrase
                    objectName: "enrolShowPassphrase"
                    text: qsTr("Show")
                    Accessible.name: qsTr("Show the passphrase")
                }
                Item { Layout.fillWidth: true }
                Button {
                    objectName: "suggestWordsButton"
                    text: qsTr("Suggest words")
                    Accessible.name: qsTr("Suggest a passphrase of six random words")
                    font.capitalization: Font.MixedCase
                    flat: true
                    onClicked: {
                        first.text = root.enrolment.suggestPassphrase()
                        showPassphrase.checked = true
                        second.clear()
                    }
                }
            }
            TextField {
                id: second
                objectName: "enrolConfirmField"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touchTarget + 8
                placeholderText: qsTr("Type it again")
                echoMode: showPassphrase.checked ? TextInput.Normal : TextInput.Password
                inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
                Accessible.name: qsTr("Repeat the passphrase")
                onAccepted: enrolButton.clicked()
            }
            Label {
                objectName: "enrolMessage"
                Layout.fillWidth: true
                visible: text.length > 0
                wrapMode: Text.WordWrap
                color: Theme.danger
                text: root.enrolment.message
            }
            Button {
                id: enrolButton
                objectName: "enrolButton"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touchTarget + 4
                text: qsTr("Enrol")
                Accessible.name: qsTr("Enrol this device")
                highlighted: true
                enabled: codeField.length > 0 && root.vault.passphraseAcceptable && second.length > 0
                onClicked: {
                    root.enrolment.start(codeField.text, first.text, second.text)
                    codeField.clear()
                    first.clear()
                    second.clear()
                }
            }
            Button {
                objectName: "localSetupButton"
                Layout.fillWidth: true
                text: qsTr("Set up without HQ (training)")
                Accessible.name: qsTr("Set up a local vault without HQ, for training")
                font.capitalization: Font.MixedCase
                font.pixelSize: Theme.fontSizeSmall
                flat: true
                onClicked: root.localSetupRequested()
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
                Accessible.name: qsTr("Working")
            }
            Label {
                objectName: "enrolStep"
                Layout.fillWidth: true
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.WordWrap
                color: Theme.textSecondary
                text: root.enrolment.step
            }
        }
    }

    Component {
        id: waiting
        ColumnLayout {
            objectName: "enrolWaiting"
            spacing: 12
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                text: qsTr("Safety number")
                font.pixelSize: Theme.fontSizeHeadline
                font.weight: Font.DemiBold
            }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                color: Theme.textSecondary
                text: qsTr("Read these 60 digits to the desk when HQ calls you. If one digit differs, HQ refuses the enrolment.")
            }
            GridLayout {
                objectName: "safetyNumberGrid"
                Layout.alignment: Qt.AlignHCenter
                columns: 3
                columnSpacing: 24
                rowSpacing: 8
                Accessible.name: qsTr("Safety number %1").arg(root.enrolment.safetyNumber)
                Repeater {
                    model: root.enrolment.safetyGroups
                    Label {
                        required property string modelData
                        text: modelData
                        font.family: "monospace"
                        font.pixelSize: 24
                        color: Theme.textPrimary
                    }
                }
            }
            RowLayout {
                Layout.fillWidth: true
                Layout.topMargin: 8
                spacing: 12
                BusyIndicator {
                    running: true
                    Layout.preferredWidth: 36
                    Layout.preferredHeight: 36
                    Accessible.name: qsTr("Waiting for HQ")
                }
                Label {
                    objectName: "enrolStep"
                    Layout.fillWidth: true
                    wrapMode: Text.WordWrap
                    color: Theme.textSecondary
                    text: root.enrolment.step
                }
            }
        }
    }
}
