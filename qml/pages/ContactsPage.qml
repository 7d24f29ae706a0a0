import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Liaison

// Contacts with search (name, organisation, role, country, tags; accents ignored), grouped by
// name, country or organisation; a row with a 24/7 line calls it from the list.
Page {
    id: root

    required property ContactModel contacts
    required property ExternalActions actions

    signal opened(int row)

    objectName: "contactsPage"
    background: Rectangle { color: Theme.surface }

    header: Pane {
        padding: Theme.spacing
        background: Rectangle { color: Theme.background }
        ColumnLayout {
            width: parent.width
            spacing: 4
            TextField {
                id: search
                objectName: "contactSearchField"
                Layout.fillWidth: true
                placeholderText: qsTr("Search name, organisation, country")
                inputMethodHints: Qt.ImhNoPredictiveText
                text: root.contacts.query
                onTextEdited: root.contacts.query = text
            }
            TabBar {
                id: grouping
                objectName: "contactGrouping"
                Layout.fillWidth: true
                currentIndex: root.contacts.grouping
                Repeater {
                    model: [qsTr("A–Z"), qsTr("Country"), qsTr("Organisation")]
                    delegate: TabButton {
                        required property string modelData
                        required property int index
                        objectName: "grouping" + index
                        text: modelData
                        font.capitalization: Font.MixedCase
                        onClicked: root.contacts.grouping = index
                    }
                }
            }
        }
    }

    ContactList {
        id: list
        objectName: "contactList"
        anchors.fill: parent
        model: root.contacts
        onOpened: row => root.opened(row)
        onCallRequested: number => root.actions.call(number)
    }

    Label {
        anchors.centerIn: parent
        width: parent.width - 2 * Theme.margin
        visible: list.count === 0
        horizontalAlignment: Text.AlignHCenter
        wrapMode: Text.WordWrap
        color: Theme.textSecondary
        text: root.contacts.query.length > 0 ? qsTr("No contact matches “%1”.").arg(root.contacts.query)
                                             : qsTr("No contacts on this device yet.")
    }
}
