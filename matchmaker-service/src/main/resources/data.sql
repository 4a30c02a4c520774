INSERT INTO beer (name, brewer, hops) VALUES
  ('ipa', 'Lagunitas Brewing Company', 7),
  ('lager', 'Brooklyn Brewery', 5),
  ('pilsner', 'Pilsner Urquell', 4),
  ('stout', 'Guinness', 8);

INSERT INTO donut (name, sugar, bakery) VALUES
  ('jelly', 8, 'Dunkin'''),
  ('chocolate', 7, 'Krispy Kreme'),
  ('glazed', 9, 'Krispy Kreme'),
  ('bacon', 4, 'Voodoo Doughnut'),
  ('bavarian', 6, 'Tim Hortons');
