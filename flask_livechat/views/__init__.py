"""HTTP adapters: the console page and the widget's static files."""
