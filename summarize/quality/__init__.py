"""The translation quality check: numbers kept, the omission verdict, flags of a shown line."""
