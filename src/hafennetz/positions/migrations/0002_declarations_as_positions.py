"""Each version of the Potsdamer Erklärung is shown as a published joint position whose
endorsements are the signatures of the member registry (ADR 0061). Only facts are stored here
(title, date); the full wording is published by the alliance."""

from django.db import migrations
from django.utils import timezone

ABOUT = {
    "2019": (
        "Mit der Potsdamer Erklärung vom 3. Juni 2019 haben sich Kommunen, die sich zum "
        "Sicheren Hafen erklärt haben, zum Bündnis „Städte Sicherer Häfen“ zusammengeschlossen. "
        "Sie erklären sich bereit, geflüchtete Menschen zusätzlich zu ihrer Quote aufzunehmen, "
        "und fordern Bund und Länder auf, diese Aufnahme zu ermöglichen."
    ),
    "2021": (
        "Am 17. Februar 2021 hat das Bündnis die Potsdamer Erklärung aktualisiert. Neue "
        "Mitglieder unterzeichnen diese Fassung."
    ),
}
SOURCE = (
    "Der vollständige Wortlaut ist auf der Seite des Bündnisses veröffentlicht "
    "(staedte-sicherer-haefen.de). hafennetz führt die Unterzeichnungen der Mitglieder; "
    "sie werden hier als Mitzeichnungen gezeigt."
)


def create(apps, schema_editor):
    Declaration = apps.get_model("members", "Declaration")
    Position = apps.get_model("positions", "Position")
    PositionVersion = apps.get_model("positions", "PositionVersion")
    for declaration in Declaration.objects.all():
        if Position.objects.filter(declaration=declaration).exists():
            continue
        position = Position.objects.create(
            title=declaration.title,
            summary=ABOUT.get(declaration.version, ""),
            status="published",
            declaration=declaration,
            published_on=declaration.published_on,
            status_changed_at=timezone.now(),
        )
        PositionVersion.objects.create(
            position=position,
            number=1,
            sections=[{"key": "wortlaut", "heading": "Wortlaut", "text": SOURCE}],
            note="",
        )


def remove(apps, schema_editor):
    apps.get_model("positions", "Position").objects.filter(declaration__isnull=False).delete()


class Migration(migrations.Migration):
    dependencies = [("positions", "0001_initial"), ("members", "0002_declarations")]
    operations = [migrations.RunPython(create, remove)]
