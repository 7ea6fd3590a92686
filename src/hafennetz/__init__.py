"""hafennetz — working platform of the city alliance „Städte Sicherer Häfen“."""

__version__ = "0.1.0"
