"""Demo data of the Austausch: 32 invented practices over the Lagebild's topics (flagged
`is_demo`, shown as „Demo“), the members behind them glad to be asked on those topics, a few
helpful marks and a question by the demo logins, and one open contact request to the demo member Detmold.
Everything goes through the services (audited as „system“, the marks and the question as the
demo logins). Idempotent: a second run changes
nothing."""

# ruff: noqa: E501 (the demo texts)

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from hafennetz.core.audit import create_audited
from hafennetz.exchange import services
from hafennetz.exchange.models import ContactRequest, Practice, PracticeStatus, Visibility
from hafennetz.members import services as member_services
from hafennetz.members.models import Contact, Member
from hafennetz.situation.models import Topic

DEMO_AGS = "05766020"  # Detmold, the demo member login
KIEL_AGS = "01002000"  # the demo state coordination login

# topic code, extra topic or "", title, summary, problem, what was done, results,
# target groups, staff, money, partners
PRACTICES: list[tuple[str, str, str, str, str, str, str, str, str, str, str]] = [
    (
        "housing",
        "",
        "Wohnungen statt Turnhallen: kommunale Mietgarantie",
        "Die Stadt mietet Wohnungen privater Vermieter an und garantiert Miete und Renovierung.",
        "Sammelunterkünfte waren voll, private Vermieter zögerten, an Geflüchtete zu vermieten.",
        "Die Stadt tritt als Mieterin auf, übernimmt eine Mietgarantie über drei Jahre und eine Pauschale für die Renovierung beim Auszug. Eine Wohnungsbörse bündelt die Angebote.",
        "In zwei Jahren 140 Wohnungen für 420 Menschen; die Turnhallen sind wieder frei. Vermieter schätzen die feste Ansprechperson.",
        "Geflüchtete Familien, Vermieterinnen und Vermieter",
        "1,5 Stellen Wohnraumakquise",
        "Mietgarantiefonds 250.000 Euro im Jahr",
        "Wohnungsbaugesellschaft, Haus & Grund",
    ),
    (
        "housing",
        "social",
        "Auszugsmanagement aus der Gemeinschaftsunterkunft",
        "Ein Team begleitet Haushalte beim Weg in die eigene Wohnung.",
        "Viele Menschen blieben Jahre in der Gemeinschaftsunterkunft, obwohl sie ausziehen durften.",
        "Beratung zu Wohnungssuche, Bewerbungsmappen für Vermieter, Begleitung zu Besichtigungen, Hilfe bei Anträgen für die Erstausstattung.",
        "Die Verweildauer in der Unterkunft sank von 26 auf 14 Monate.",
        "Haushalte mit Auszugsberechtigung",
        "2 Stellen Sozialarbeit",
        "aus dem Landesprogramm",
        "Jobcenter, Mieterverein",
    ),
    (
        "housing",
        "",
        "Modulbauten mit Nachnutzung als Sozialwohnungen",
        "Unterkünfte in Modulbauweise, die später als geförderte Wohnungen vermietet werden.",
        "Container waren teuer und nach wenigen Jahren wertlos.",
        "Die Stadt baute dreigeschossige Modulhäuser nach dem Standard des sozialen Wohnungsbaus; nach fünf Jahren gehen sie in den Bestand der Wohnungsgesellschaft über.",
        "Kosten je Platz unter denen von Containern, dauerhaft 60 zusätzliche Sozialwohnungen.",
        "Geflüchtete, später Haushalte mit Wohnberechtigungsschein",
        "Projektsteuerung im Bauamt",
        "Investition 9 Mio. Euro, Landesförderung",
        "kommunale Wohnungsgesellschaft",
    ),
    (
        "housing",
        "",
        "Wohnpatenschaften mit Ehrenamtlichen",
        "Ehrenamtliche Patinnen und Paten begleiten die ersten Monate in der neuen Wohnung.",
        "Nach dem Einzug gab es Konflikte mit Nachbarn, Nebenkosten und Mülltrennung.",
        "Schulung von Ehrenamtlichen, feste Tandems für sechs Monate, Sprechstunde im Quartier.",
        "Deutlich weniger Kündigungen und Beschwerden; Vermieter vermieten wieder.",
        "Neu eingezogene Familien",
        "0,5 Stelle Koordination Ehrenamt",
        "8.000 Euro Sachkosten",
        "Freiwilligenagentur, Kirchengemeinden",
    ),
    (
        "childcare",
        "",
        "Brückenangebote vor dem Kita-Platz",
        "Spielgruppen zweimal die Woche für Kinder, die noch keinen Kita-Platz haben.",
        "Wartelisten von über einem Jahr; Kinder kamen ohne Deutschkenntnisse in die Schule.",
        "Spielgruppen in Gemeindehäusern mit einer Fachkraft und Eltern, die mitmachen; Übergang in die Kita wird vorbereitet.",
        "Zwölf Gruppen mit 150 Kindern; die Eingewöhnung in der Kita gelingt schneller.",
        "Kinder von 1 bis 6 Jahren und ihre Eltern",
        "6 Teilzeitkräfte",
        "Bundesprogramm Kita-Einstieg",
        "Familienzentren, Kirchengemeinden",
    ),
    (
        "childcare",
        "staff",
        "Quereinstieg in die Kita für zugewanderte Fachkräfte",
        "Zugewanderte Erzieherinnen arbeiten schon während der Anerkennung als Assistenzkräfte.",
        "Kitas fanden kein Personal; ausländische Abschlüsse wurden erst nach Jahren anerkannt.",
        "Anstellung als Assistenz mit Sprachkurs und Anpassungsqualifizierung in Teilzeit, Mentorin im Team.",
        "18 Fachkräfte eingestellt, davon 11 inzwischen anerkannt.",
        "Zugewanderte pädagogische Fachkräfte",
        "Mentoring in den Kitas",
        "Lohnkosten im Stellenplan",
        "Anerkennungsberatung, Fachschule",
    ),
    (
        "childcare",
        "",
        "Mehrsprachige Kita-Platzvergabe",
        "Die Online-Anmeldung für Kita-Plätze gibt es in acht Sprachen, mit Beratung vor Ort.",
        "Geflüchtete Familien meldeten sich nicht an und fielen aus den Wartelisten.",
        "Übersetzung des Portals, Sprechstunden mit Sprachmittlung in Unterkünften.",
        "Der Anteil geflüchteter Kinder auf den Wartelisten entspricht jetzt ihrem Anteil an der Bevölkerung.",
        "Eltern ohne Deutschkenntnisse",
        "Sprachmittlung auf Honorarbasis",
        "20.000 Euro",
        "Integrationsrat",
    ),
    (
        "childcare",
        "",
        "Kindertagespflege in Unterkünften",
        "Tagespflegepersonen betreuen kleine Gruppen direkt in der Unterkunft.",
        "In der Unterkunft lebten 60 Kinder unter drei Jahren ohne jede Betreuung.",
        "Räume in der Unterkunft umgebaut, zwei Tagespflegepersonen qualifiziert, darunter eine Bewohnerin.",
        "Zehn Plätze, Mütter können Sprachkurse besuchen.",
        "Kinder unter drei Jahren",
        "Fachberatung Tagespflege",
        "Umbau 35.000 Euro",
        "Jugendamt, Träger der Unterkunft",
    ),
    (
        "school",
        "",
        "Willkommensklassen mit festem Übergang",
        "Vorbereitungsklassen mit einem Plan, wann jedes Kind in die Regelklasse wechselt.",
        "Kinder blieben zu lange in getrennten Klassen.",
        "Teilintegration ab dem ersten Monat in Sport, Kunst und Musik, Sprachstandsfeststellung alle drei Monate.",
        "Wechsel in die Regelklasse nach durchschnittlich neun Monaten.",
        "Schulpflichtige Kinder ohne Deutschkenntnisse",
        "Lehrkräfte für Deutsch als Zweitsprache",
        "Landesmittel",
        "Schulamt",
    ),
    (
        "school",
        "language",
        "Lernpatenschaften mit Studierenden",
        "Studierende geben Hausaufgabenhilfe in Unterkünften und Schulen.",
        "Eltern konnten bei den Hausaufgaben nicht helfen.",
        "Kooperation mit der Hochschule, Anrechnung als Praktikum, feste Zeiten in der Unterkunft.",
        "80 Tandems im Jahr, bessere Noten in Deutsch und Mathematik.",
        "Schülerinnen und Schüler der Klassen 3 bis 10",
        "Koordination 0,5 Stelle",
        "Aufwandsentschädigung 30.000 Euro",
        "Hochschule, Schulen",
    ),
    (
        "school",
        "",
        "Schulplatzkoordination im Bildungsbüro",
        "Eine zentrale Stelle vergibt Schulplätze innerhalb von zwei Wochen.",
        "Kinder warteten Monate auf einen Schulplatz, weil Schulen sich nicht zuständig fühlten.",
        "Das Bildungsbüro führt eine Übersicht freier Plätze und weist zu; Schulen melden wöchentlich.",
        "Wartezeit auf einen Schulplatz unter 14 Tagen.",
        "Neu zugezogene Kinder und Jugendliche",
        "1 Stelle",
        "keine zusätzlichen Sachmittel",
        "Schulamt, Schulleitungen",
    ),
    (
        "school",
        "",
        "Berufsschulklassen für junge Erwachsene",
        "Klassen für 18- bis 25-Jährige, die nicht mehr schulpflichtig sind.",
        "Junge Erwachsene fielen aus allen Angeboten heraus.",
        "Zweijährige Klassen an der Berufsschule mit Deutsch, Mathematik und Praktika.",
        "Zwei Drittel beginnen danach eine Ausbildung.",
        "Junge Erwachsene ohne Schulabschluss",
        "Lehrkräfte der Berufsschule",
        "Landesprogramm",
        "Kammern, Betriebe",
    ),
    (
        "labour",
        "",
        "Jobbörse in der Unterkunft",
        "Arbeitgeber stellen sich einmal im Monat in der Unterkunft vor.",
        "Viele Bewohner wussten nicht, welche Arbeit sie aufnehmen dürfen.",
        "Beratung zur Arbeitserlaubnis, Speed-Dating mit Betrieben, Begleitung zum ersten Arbeitstag.",
        "120 Vermittlungen in zwei Jahren.",
        "Erwachsene mit Arbeitserlaubnis",
        "Integrationsmanagement",
        "5.000 Euro",
        "Jobcenter, Arbeitsagentur, Handwerkskammer",
    ),
    (
        "labour",
        "language",
        "Berufssprachkurse im Betrieb",
        "Deutschunterricht während der Arbeitszeit direkt im Betrieb.",
        "Beschäftigte brachen Sprachkurse ab, weil sie im Schichtdienst arbeiteten.",
        "Kurse in kleinen Gruppen im Betrieb, Fachwortschatz der Branche, Freistellung durch den Arbeitgeber.",
        "Kaum Abbrüche, alle erreichten B1 im Beruf.",
        "Beschäftigte in Pflege, Logistik und Gastronomie",
        "Lehrkraft eines Kursträgers",
        "Förderung des Bundes",
        "Betriebe, Kursträger",
    ),
    (
        "labour",
        "",
        "Anerkennungslotsen",
        "Lotsen begleiten durch das Verfahren der Berufsanerkennung.",
        "Anerkennungsverfahren dauerten zu lange, Unterlagen fehlten.",
        "Erstberatung, Übersetzung von Zeugnissen, Anpassungsqualifizierung vermitteln.",
        "Verfahren dauern im Schnitt vier Monate statt eines Jahres.",
        "Menschen mit ausländischem Berufsabschluss",
        "1 Stelle",
        "Förderprogramm IQ",
        "IQ-Netzwerk, Kammern",
    ),
    (
        "labour",
        "",
        "Ausbildungsbegleitung für Geflüchtete",
        "Ehrenamtliche Coaches begleiten Azubis bis zur Prüfung.",
        "Ein Drittel der geflüchteten Azubis brach die Ausbildung ab.",
        "Coaching, Nachhilfe in der Berufsschule, Hilfe bei Ausländerbehörde und Wohnung.",
        "Abbruchquote halbiert.",
        "Auszubildende mit Fluchtgeschichte",
        "Koordination 0,5 Stelle",
        "Stiftungsmittel",
        "Senior Experten, Berufsschulen",
    ),
    (
        "social",
        "",
        "Sozialberatung im Quartier statt in der Unterkunft",
        "Beratungsstellen in den Stadtteilen, in denen Geflüchtete inzwischen wohnen.",
        "Nach dem Auszug fanden Menschen keine Beratung mehr.",
        "Beratungsbüros in Stadtteilzentren mit festen Sprechzeiten und Sprachmittlung.",
        "Mehr Menschen erreicht, Beratung auch für Nachbarn offen.",
        "Geflüchtete in Wohnungen",
        "3 Stellen Sozialarbeit",
        "Landesmittel Integrationsmanagement",
        "Wohlfahrtsverbände",
    ),
    (
        "social",
        "health",
        "Psychosoziale Erstberatung",
        "Niedrigschwellige Gespräche für Menschen mit belastenden Erfahrungen.",
        "Wartezeiten auf Therapieplätze von über einem Jahr.",
        "Geschulte Beraterinnen führen Erstgespräche, vermitteln weiter und bieten Gruppen an.",
        "300 Erstgespräche im Jahr, schnelle Hilfe in Krisen.",
        "Erwachsene und Jugendliche mit Fluchterfahrung",
        "Psychologin 0,5 Stelle",
        "60.000 Euro",
        "Psychosoziales Zentrum",
    ),
    (
        "social",
        "",
        "Digitale Terminvergabe der Ausländerbehörde",
        "Online-Termine statt Schlangen vor der Ausländerbehörde.",
        "Menschen standen ab fünf Uhr morgens an, Sozialarbeiter begleiteten stundenlang.",
        "Terminportal in sechs Sprachen, Notfallsprechstunde, Erinnerungen per SMS.",
        "Keine Warteschlangen mehr, Sozialarbeit gewinnt Zeit.",
        "alle Kundinnen und Kunden der Ausländerbehörde",
        "IT-Projekt",
        "40.000 Euro",
        "IT-Dienstleister",
    ),
    (
        "social",
        "",
        "Ehrenamtskoordination mit Einsatzbörse",
        "Eine Börse bringt Ehrenamtliche und Aufgaben zusammen.",
        "Viele wollten helfen, wussten aber nicht wo.",
        "Online-Börse, Erstgespräch, Schulungen, Dankeschön-Abend.",
        "400 aktive Ehrenamtliche.",
        "Ehrenamtliche",
        "1 Stelle",
        "15.000 Euro",
        "Freiwilligenagentur",
    ),
    (
        "staff",
        "",
        "Springerpool für die Unterkünfte",
        "Ein Pool von Fachkräften vertritt kurzfristig in allen Unterkünften.",
        "Krankheit und Fluktuation ließen Unterkünfte ohne Sozialarbeit.",
        "Sechs Stellen im Springerpool, einheitliche Einarbeitung, digitale Übergabe.",
        "Keine Unterkunft mehr ohne Betreuung, weniger Überstunden.",
        "Beschäftigte der Unterkünfte",
        "6 Stellen",
        "im Stellenplan",
        "Träger der Unterkünfte",
    ),
    (
        "staff",
        "",
        "Einarbeitung neuer Mitarbeitender in vier Wochen",
        "Ein Einarbeitungsprogramm mit Mentoring und Lernpfad.",
        "Neue Mitarbeitende kündigten in der Probezeit.",
        "Lernpfad zu Aufenthaltsrecht und Leistungsrecht, Mentoring, Hospitationen.",
        "Fluktuation in der Probezeit halbiert.",
        "Neue Beschäftigte im Integrationsbereich",
        "Personalentwicklung",
        "keine",
        "Volkshochschule",
    ),
    (
        "staff",
        "",
        "Interkommunale Kooperation bei Sprachmittlung",
        "Drei Kommunen teilen sich einen Pool von Sprachmittlern.",
        "Einzelne Kommunen fanden für seltene Sprachen niemanden.",
        "Gemeinsamer Pool, Videodolmetschen, Abrechnung nach Stunden.",
        "32 Sprachen verfügbar, Kosten je Stunde gesunken.",
        "Verwaltung, Schulen, Beratungsstellen",
        "Koordination 0,5 Stelle",
        "Umlage der Kommunen",
        "Nachbarkommunen",
    ),
    (
        "staff",
        "",
        "Entlastung durch digitale Akten",
        "Die Leistungsabteilung arbeitet mit einer elektronischen Akte.",
        "Papierakten banden Zeit, Vertretungen fanden nichts.",
        "Einführung der E-Akte, Scanstelle, Schulung aller Beschäftigten.",
        "Bearbeitungszeit je Antrag um ein Drittel kürzer.",
        "Beschäftigte der Leistungsabteilung",
        "Projektteam",
        "120.000 Euro",
        "IT-Dienstleister",
    ),
    (
        "health",
        "",
        "Gesundheitskarte vom ersten Tag",
        "Geflüchtete erhalten sofort eine Gesundheitskarte statt Behandlungsscheinen.",
        "Behandlungsscheine verzögerten Arztbesuche und kosteten Verwaltungszeit.",
        "Vertrag mit einer Krankenkasse nach Landesrahmenvereinbarung.",
        "Verwaltungsaufwand gesunken, frühere Behandlung.",
        "Leistungsberechtigte nach dem Asylbewerberleistungsgesetz",
        "keine zusätzlichen",
        "Verwaltungspauschale",
        "Krankenkasse",
    ),
    (
        "health",
        "",
        "Impfsprechstunde in der Unterkunft",
        "Ein Team des Gesundheitsamts impft und berät direkt vor Ort.",
        "Impflücken bei Kindern und Erwachsenen.",
        "Monatliche Sprechstunde mit Sprachmittlung, Impfpass-Check.",
        "Impfquote bei Kindern über 90 Prozent.",
        "Bewohnerinnen und Bewohner der Unterkünfte",
        "Ärztin und MFA des Gesundheitsamts",
        "Impfstoffe über Kasse",
        "Gesundheitsamt",
    ),
    (
        "health",
        "social",
        "Gesundheitslotsinnen aus der Community",
        "Geschulte Lotsinnen erklären das Gesundheitssystem in der eigenen Sprache.",
        "Notaufnahmen wurden für alles genutzt.",
        "Schulung von 20 Lotsinnen, Infoabende, Begleitung zu Ärzten.",
        "Weniger Besuche in der Notaufnahme ohne Notfall.",
        "Familien mit Fluchtgeschichte",
        "Koordination 0,5 Stelle",
        "Förderung der Krankenkasse",
        "Migrantenorganisationen",
    ),
    (
        "health",
        "",
        "Hebammensprechstunde für Schwangere",
        "Hebammen beraten Schwangere in der Unterkunft.",
        "Schwangere fanden keine Hebamme.",
        "Wöchentliche Sprechstunde, Vermittlung in Geburtskliniken.",
        "Alle Schwangeren sind versorgt.",
        "Schwangere und junge Mütter",
        "Hebammen auf Honorarbasis",
        "25.000 Euro",
        "Hebammenverband",
    ),
    (
        "language",
        "",
        "Sprachcafés in der Stadtbibliothek",
        "Offene Gesprächsrunden zum Deutschüben mit Ehrenamtlichen.",
        "Nach dem Integrationskurs fehlte die Übung im Alltag.",
        "Wöchentliche Sprachcafés, Themenabende, Lesepatenschaften.",
        "60 Teilnehmende pro Woche.",
        "Erwachsene mit Grundkenntnissen",
        "Bibliothekspersonal",
        "Sachkosten 3.000 Euro",
        "Stadtbibliothek, Ehrenamtliche",
    ),
    (
        "language",
        "childcare",
        "Integrationskurs mit Kinderbetreuung",
        "Kurse, in denen die Kinder nebenan betreut werden.",
        "Mütter konnten Sprachkurse nicht besuchen.",
        "Kursträger und Kita kooperieren, Betreuung im selben Gebäude.",
        "Doppelt so viele Frauen im Integrationskurs.",
        "Eltern kleiner Kinder",
        "Betreuungskräfte",
        "Bundesförderung",
        "Kursträger, Kita",
    ),
    (
        "language",
        "",
        "Online-Sprachkurse für den ländlichen Raum",
        "Videokurse mit Präsenztagen für Orte ohne Kursträger.",
        "Lange Wege und fehlende Busse verhinderten Sprachkurse.",
        "Tablets als Leihgabe, Videokurs mit Präsenztag einmal im Monat.",
        "Kurse auch in kleinen Gemeinden.",
        "Menschen in ländlichen Gemeinden",
        "Koordination",
        "Tablets 20.000 Euro",
        "Volkshochschule",
    ),
    (
        "language",
        "",
        "Sprachkurswarteliste zentral führen",
        "Eine zentrale Warteliste für alle Sprachkurse in der Stadt.",
        "Menschen standen auf mehreren Listen oder auf keiner.",
        "Gemeinsame Liste aller Kursträger, Einstufung an einem Ort.",
        "Freie Plätze werden sofort besetzt.",
        "alle, die einen Sprachkurs suchen",
        "0,5 Stelle",
        "keine",
        "Kursträger",
    ),
]


def _exchange_contact(member: Member, name: str, function: str) -> Contact:
    """A non-public contact person for the Austausch (its address is shown to a peer only
    after the member accepted a request)."""
    contact = member_services.contact_save(
        actor=None,
        member=member,
        data={
            "name": name,
            "function": function,
            "email": f"austausch@{member.ags}.demo.example.org",
            "phone": "",
            "is_public": False,
        },
    )
    Contact.objects.filter(pk=contact.pk).update(is_demo=True)
    return contact


@transaction.atomic
def seed_demo_exchange() -> bool:
    """Create the demo practices, opt-ins and a contact request once; True if created."""
    if Practice.objects.filter(is_demo=True).exists():
        return False
    topics = {t.code: t for t in Topic.objects.all()}
    if not topics:
        return False
    rng = random.Random(60)
    members = list(Member.objects.alliance().order_by("pk"))
    with_contacts = [m for m in members if Contact.objects.filter(member=m).exists()]
    if not with_contacts:
        return False
    own = Member.objects.filter(municipality_id=DEMO_AGS).first()
    kiel = Member.objects.filter(municipality_id=KIEL_AGS).first()
    if own is not None:
        _exchange_contact(own, "Dana Beispiel", "Integrationsbeauftragte")
    if kiel is not None:
        kiel_contact = _exchange_contact(kiel, "Jonas Muster", "Sachgebiet Integration")
    authors = [m for m in with_contacts if m not in (own, kiel)]
    rng.shuffle(authors)
    created: list[Practice] = []
    for i, row in enumerate(PRACTICES):
        code, extra, title, summary, problem, done, results, target, staff, money, partners = row
        # Kiel (state coordination login) writes two practices, Detmold one draft.
        member = (
            kiel if i in (0, 13) and kiel else own if i == 4 and own else authors[i % len(authors)]
        )
        contact = Contact.objects.filter(member=member).order_by("-is_public", "pk").first()
        practice = services.practice_save(
            actor=None,
            member=member,
            data=services.PracticeInput(
                title=title,
                summary=summary,
                problem=problem,
                what_was_done=done,
                results=results,
                topics=[topics[c] for c in (code, extra) if c and c in topics],
                target_groups=target,
                resources_staff=staff,
                resources_money=money,
                resources_partners=partners,
                since=dt.date(2019 + i % 6, 1 + i % 12, 1),
                contact=contact,
                contact_consent=contact is not None,
                links="https://www.example.org/praxis" if i % 3 == 0 else "",
                visibility=Visibility.PUBLIC if i % 3 != 1 else Visibility.ALLIANCE,
            ),
            is_demo=True,
        )
        if not (member == own and i == 4):
            services.practice_set_status(
                actor=None, practice=practice, status=PracticeStatus.PUBLISHED
            )
        created.append(practice)
    # Every author is glad to be asked on its practices' topics, and a few others on topics
    # they cope with.
    by_member: dict[int, set[str]] = {}
    for practice in created:
        by_member.setdefault(practice.member_id, set()).update(
            t.code for t in practice.topics.all()
        )
    for member in rng.sample(with_contacts, min(25, len(with_contacts))):
        by_member.setdefault(member.pk, set()).update(rng.sample(sorted(topics), 2))
    if kiel:
        by_member.setdefault(kiel.pk, set()).update({"housing", "staff", "childcare", "labour"})
    for member_id, codes in by_member.items():
        member = Member.objects.get(pk=member_id)
        contact = Contact.objects.filter(member=member).exclude(email="").order_by("pk").first()
        if kiel is not None and member_id == kiel.pk:
            contact = kiel_contact
        if contact is None:
            continue
        services.opt_ins_set(
            actor=None,
            member=member,
            topics=[topics[c] for c in sorted(codes)],
            contact=contact,
            is_demo=True,
        )
    # One open request to Detmold, so its staff can answer it.
    if own is not None and Contact.objects.filter(member=own).exists():
        services.opt_ins_set(
            actor=None,
            member=own,
            topics=[topics["school"], topics["language"]],
            contact=Contact.objects.filter(member=own).exclude(email="").order_by("pk").first(),
            is_demo=True,
        )
        asker = next((m for m in authors if m.pk in by_member), None)
        if asker is not None:
            asker_contact = (
                Contact.objects.filter(member=asker).exclude(email="").order_by("pk").first()
            )
            to_contact = Contact.objects.filter(member=own).exclude(email="").order_by("pk").first()
            if asker_contact and to_contact:
                request = ContactRequest(
                    from_member=asker,
                    from_contact=asker_contact,
                    to_member=own,
                    to_contact=to_contact,
                    topic=topics["language"],
                    message=(
                        "Guten Tag, wir planen Sprachcafés und haben gelesen, dass Sie damit "
                        "Erfahrung haben. Hätten Sie Zeit für ein kurzes Telefonat?"
                    ),
                    is_demo=True,
                )
                create_audited(actor=None, obj=request, action="exchange.contact_request")
    _demo_talk(created)
    return True


def _demo_talk(practices: list[Practice]) -> None:
    """A few helpful marks and a question by the demo logins (flagged as demo)."""
    from django.contrib.auth import get_user_model

    from hafennetz.exchange.models import HelpfulMark, PracticeComment

    users = get_user_model().objects.filter(
        username__in=["kommune@demo.hafennetz.example", "landeskoordination@demo.hafennetz.example"]
    )
    published = list(
        Practice.objects.filter(
            pk__in=[p.pk for p in practices], status=PracticeStatus.PUBLISHED
        ).order_by("pk")
    )
    if len(published) < 6:
        return
    for user in users:
        for practice in published[1:4]:
            if practice.member.staff.filter(user=user).exists():
                continue
            services.helpful_toggle(actor=user, practice=practice)
        services.comment_add(
            actor=user,
            practice=published[5],
            kind="question",
            text="Wie haben Sie die Finanzierung nach dem ersten Jahr gesichert?",
        )
    HelpfulMark.objects.filter(practice__in=published).update(is_demo=True)
    PracticeComment.objects.filter(practice__in=published).update(is_demo=True)
    # Invented marks and questions mail nobody: drop the author notifications they queued (the
    # worker of `./scripts/run` would otherwise send them, and tests would find them queued).
    from django_tasks_db.models import DBTaskResult

    from hafennetz.exchange import tasks

    DBTaskResult.objects.filter(task_path=tasks.notify_author.module_path).delete()
