pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Liaison

// A contact in full: phones (24/7 marked, tap to call), e-mails, fax, address, languages, the
// local time where the contact is, notes and tags; a bar at the bottom, in thumb reach, calls the
// 24/7 line (else the first number), writes an SMS or an e-mail, or copies the number. Long press
// on any row copies it. Everything leaves through the controller (ExternalActions).
Item {
    id: root

    required property ExternalActions actions

    required property int index
    required property string name
    required property string role
    required property string organisation
    required property string country
    required property string initials
    required property var phones // list of {label, number, available24h} from the model
    required property list<string> emails
    required property list<string> fax
    required property string address
    required property list<string> languages
    required property string timeZone
    required property string localTime
    required property string notes
    required property list<string> tags
    required property string lastVerifiedText
    required property string callNumber
    required property string timeDifference

    width: ListView.view ? ListView.view.width : 400
    height: ListView.view ? ListView.view.height : 800

    Flickable {
        anchors { left: parent.left; right: parent.right; top: parent.top; bottom: actionBar.top }
        contentHeight: column.implicitHeight + 2 * Theme.margin
        clip: true

        ColumnLayout {
            id: column
            width: Math.min(parent.width - 2 * Theme.margin, 640)
            x: (parent.width - width) / 2
            y: Theme.margin
            spacing: Theme.margin

            Pane {
                Layout.fillWidth: true
                padding: Theme.margin
                background: Rectangle { color: Theme.surface; radius: Theme.radius }

                RowLayout {
                    width: parent.width
                    spacing: Theme.margin
                    Rectangle {
                        Layout.preferredWidth: 64
                        Layout.preferredHeight: 64
                        Layout.alignment: Qt.AlignTop
                        radius: 32
                        color: Theme.primary
                        Label {
                            anchors.centerIn: parent
                            text: root.initials
                            color: Theme.textOnPrimary
                            font.pixelSize: 24
                            font.weight: Font.DemiBold
                        }
                    }
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 3
                        Label {
                            Layout.fillWidth: true
                            text: root.name
                            wrapMode: Text.WordWrap
                            font.pixelSize: Theme.fontSizeHeadline
                            font.weight: Font.DemiBold
                        }
                        Label {
                            Layout.fillWidth: true
                            visible: text.length > 0
                            text: root.role
                            wrapMode: Text.WordWrap
                            color: Theme.textPrimary
                        }
                        Label {
                            Layout.fillWidth: true
                            visible: text.length > 0
                            text: root.organisation
                            wrapMode: Text.WordWrap
                            color: Theme.textSecondary
                        }
                        Label {
                            Layout.fillWidth: true
                            visible: root.country.length > 0 || root.localTime.length > 0
                            text: root.localTime.length > 0
                                  ? qsTr("%1 · local time %2").arg(root.country).arg(root.localTime)
                                    + (root.timeDifference.length > 0 ? ", " + root.timeDifference : "")
                                  : root.country
                            wrapMode: Text.WordWrap
                            color: Theme.textSecondary
                            font.pixelSize: Theme.fontSizeSmall
                        }
                    }
                }
            }

            Pane {
                Layout.fillWidth: true
                padding: Theme.margin
                topPadding: 4
                background: Rectangle { color: Theme.surface; radius: Theme.radius }

                ColumnLayout {
                    width: parent.width
                    spacing: 0

                    SectionLabel {
                        visible: root.phones.length > 0
                        text: qsTr("Phone")
                    }
                    Repeater {
                        model: root.phones
                        delegate: InfoRow {
                            required property var modelData
                            Layout.fillWidth: true
                            value: modelData.number
                            label: modelData.label
                            actionable: true
                            badge: modelData.available24h ? qsTr("24/7 line") : ""
                            onActivated: root.actions.call(modelData.number)
                            onCopyRequested: root.actions.copy(modelData.number)
                        }
                    }

                    SectionLabel {
                        visible: root.emails.length > 0
                        text: qsTr("E-mail")
                    }
                    Repeater {
                        model: root.emails
                        delegate: InfoRow {
                            required property string modelData
                            Layout.fillWidth: true
                            value: modelData
                            actionable: true
                            onActivated: root.actions.sendEmail(modelData)
                            onCopyRequested: root.actions.copy(modelData)
                        }
                    }

                    SectionLabel {
                        visible: root.fax.length > 0
                        text: qsTr("Fax")
                    }
                    Repeater {
                        model: root.fax
                        delegate: InfoRow {
                            required property string modelData
                            Layout.fillWidth: true
                            value: modelData
                            onCopyRequested: root.actions.copy(modelData)
                        }
                    }

                    SectionLabel {
                        visible: root.address.length > 0
                        text: qsTr("Address")
                    }
                    Label {
                        Layout.fillWidth: true
                        Layout.bottomMargin: 8
                        visible: root.address.length > 0
                        text: root.address
                        wrapMode: Text.WordWrap
                        textFormat: Text.PlainText
                    }

                    SectionLabel {
                        visible: root.languages.length > 0 || root.timeZone.length > 0
                        text: qsTr("Languages and time zone")
                    }
                    Label {
                        Layout.fillWidth: true
                        Layout.bottomMargin: 8
                        visible: root.languages.length > 0 || root.timeZone.length > 0
                        text: [root.languages.join(", "), root.timeZone].filter(s => s.length > 0).join(" · ")
                        wrapMode: Text.WordWrap
                    }

                    SectionLabel {
                        visible: root.notes.length > 0
                        text: qsTr("Notes")
                    }
                    Label {
                        Layout.fillWidth: true
                        Layout.bottomMargin: 8
                        visible: root.notes.length > 0
                        text: root.notes
                        wrapMode: Text.WordWrap
                        textFormat: Text.PlainText
                    }
                }
            }

            Flow {
                Layout.fillWidth: true
                spacing: 6
                visible: root.tags.length > 0
                Repeater {
                    model: root.tags
                    delegate: StatusChip {
                        required property string modelData
                        text: modelData
                        tint: Theme.primary
                    }
                }
            }

            Label {
                Layout.fillWidth: true
                text: root.lastVerifiedText
                color: Theme.textSecondary
                font.pixelSize: Theme.fontSizeSmall
                horizontalAlignment: Text.AlignRight
            }
        }
    }

    // The card's main actions, at the bottom where the thumb is.
    Pane {
        id: actionBar
        objectName: "contactActionBar"
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
        padding: Theme.spacing
        background: Rectangle { color: Theme.surface; border.color: Theme.divider }

        RowLayout {
            width: parent.width
            spacing: Theme.spacing
            Button {
                objectName: "contactCallButton"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touchTarget
                enabled: root.callNumber.length > 0
                highlighted: true
                text: root.phones.some(p => p.available24h) ? qsTr("Call 24/7") : qsTr("Call")
                Accessible.name: qsTr("Call %1").arg(root.callNumber)
                font.capitalization: Font.MixedCase
                onClicked: root.actions.call(root.callNumber)
            }
            Button {
                objectName: "contactSmsButton"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touchTarget
                enabled: root.callNumber.length > 0
                text: qsTr("SMS")
                Accessible.name: qsTr("Write an SMS to %1").arg(root.callNumber)
                font.capitalization: Font.MixedCase
                onClicked: root.actions.sendSms(root.callNumber)
            }
            Button {
                objectName: "contactEmailButton"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touchTarget
                enabled: root.emails.length > 0
                text: qsTr("E-mail")
                Accessible.name: root.emails.length > 0 ? qsTr("Write an e-mail to %1").arg(root.emails[0]) : qsTr("E-mail")
                font.capitalization: Font.MixedCase
                onClicked: root.actions.sendEmail(root.emails[0])
            }
            Button {
                objectName: "contactCopyButton"
                Layout.fillWidth: true
                Layout.preferredHeight: Theme.touchTarget
                enabled: root.callNumber.length > 0
                text: qsTr("Copy")
                Accessible.name: qsTr("Copy the number %1").arg(root.callNumber)
                font.capitalization: Font.MixedCase
                onClicked: root.actions.copy(root.callNumber)
            }
        }
    }
}
