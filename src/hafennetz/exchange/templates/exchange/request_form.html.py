BBBBBBB BBBBBBBBBBBBBBB BBBB
BBBBB BBBBB gettext(u'Request contact') BBBBBBBB
BBBBB BBBBBBB
XX XXXXXXXXXXXXXXXXX XXXXXXBBB BBBBBBBBBBBBBBBBBBBBBBXX gettext(u'Contact requests') XXXXXXXX
XXXX gettext(u'Request contact with %(member)s') SSSSSSS SSSSSSS SSSS SSSSSSSSSSXXXXX
XXX gettext(u'Your introduction goes through the platform to the contact person the member named for the topic, and a copy to yours. Their address is shown to you once they accept.') XXXX
XX XXXXXXXXXXXX XXXXXXXXXXXXXXXXX gettext(u'Glad to be asked on') X BBB B BB BBBBBBBBB BBB BBBBBBBBBBBBX BBBBBBBBBB gettext(u'no topic') BBBBBBXXXX
XXXXX XXXXXXXXXXXXX XXXXXXXXXXXXXXXXX XXXXXXXXXXXXXXXXX XXXXXXXXXXXBBBBBBBBBBXXXXXXX XXXXXXXXXXXXXX gettext(u'Send request') XXXXXXXXXXXXXXXX
BBBBBBBB
